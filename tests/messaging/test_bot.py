"""The Matrix bot against a real homeserver: `portal bot` runs as a child process, people talk to
it through Synapse's client-server API, and the worker sends their notifications there."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlmodel import select

from portal.core import db
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from portal.messaging import queries
from portal.messaging.models import MessageOutbox
from tests.conftest import login_as

pytestmark = pytest.mark.xdist_group("synapse")


def linking_code(client: Any, user: Any) -> str:
    """The code /account shows after "Get a linking code"."""
    login_as(client, user)
    page = client.post("/account/chat/code")
    assert page.status_code == 200
    found = re.search(r'id="link-code">([A-Z0-9-]+)<', page.text)
    assert found, page.text
    return found.group(1)


def sent(engine: Any) -> list[MessageOutbox]:
    with db.read(engine) as s:
        return list(s.exec(select(MessageOutbox).where(MessageOutbox.status == "sent")))


def chat_with_bot(person: Any, bot_id: str) -> str:
    me = person()
    room = me.open_chat(bot_id)
    me.joined(room, bot_id)
    return me, room


def test_bot_links_takes_an_idea_a_vote_and_a_status_and_brings_notifications(
    bot: Any,
    person: Any,
    bot_id: str,
    client: Any,
    patron: Any,
    staff: Any,
    engine: Any,
    matrix_worker: Any,
) -> None:
    bot()
    me, room = chat_with_bot(person, bot_id)
    me.say(room, f"link {linking_code(client, patron).lower()}")
    assert "Pat Reader" in me.wait_for(room, bot_id)[0]
    with db.read(engine) as s:
        (link,) = queries.links_of(s, patron.id)
    assert (link.address, link.room) == (me.user_id, room)

    me.say(room, "idea: Quiet study rooms open until midnight")
    (posted,) = me.wait_for(room, bot_id)
    idea_id = int(re.search(r"number (\d+)", posted).group(1))
    with db.read(engine) as s:
        idea = s.get(Idea, idea_id)
        assert (idea.title, idea.author_id) == ("Quiet study rooms open until midnight", patron.id)
    with db.write(engine) as s:
        other = ideas.propose(
            db=s, actor=staff, title="Longer loans", body="Four weeks.", category_id=None
        )
        other_id = other.id

    me.say(room, f"vote {other_id}")
    assert "is counted" in me.wait_for(room, bot_id)[0]
    me.say(room, f"status {other_id}")
    assert "Longer loans: New, 1 vote" in me.wait_for(room, bot_id)[0]

    with db.write(engine) as s:  # the patron follows the idea they voted for
        ideas.change_status(db=s, actor=staff, idea_id=other_id, status="planned", response="Soon.")
    deadline = time.monotonic() + 45
    while not sent(engine) and time.monotonic() < deadline:
        matrix_worker.step()
    (note,) = me.wait_for(room, bot_id)
    assert "Longer loans" in note and f"/ideas/{other_id}" in note
    matrix_worker.step()  # nothing is sent twice
    assert me.messages_from(room, bot_id) == []


def test_bot_refuses_bad_codes_and_unlinked_senders_and_explains_unknown_commands(
    bot: Any, person: Any, bot_id: str, client: Any, patron: Any, engine: Any
) -> None:
    bot()
    me, room = chat_with_bot(person, bot_id)
    me.say(room, "vote 1")
    assert "First link your account" in me.wait_for(room, bot_id)[0]
    me.say(room, "link ABCD-EFGH")
    assert "not valid" in me.wait_for(room, bot_id)[0]
    me.say(room, "make me a sandwich")
    assert "did not understand" in me.wait_for(room, bot_id)[0]
    me.say(room, "帮助")
    assert "想法" in me.wait_for(room, bot_id)[0]
    code = linking_code(client, patron)
    me.say(room, f"link {code}")
    me.wait_for(room, bot_id)
    someone_else, their_room = chat_with_bot(person, bot_id)
    someone_else.say(their_room, f"link {code}")  # a code works once
    assert "not valid" in someone_else.wait_for(their_room, bot_id)[0]
    with db.read(engine) as s:
        assert [x.address for x in queries.links_of(s, patron.id)] == [me.user_id]


def test_bot_links_only_in_a_room_of_two(
    bot: Any, person: Any, bot_id: str, client: Any, patron: Any, engine: Any
) -> None:
    """Notifications go where the person linked: never into a room that others read."""
    bot()
    me, bystander = person(), person()
    room = me._call("POST", "/createRoom", json={"invite": [bot_id, bystander.user_id]})["room_id"]
    me.joined(room, bot_id)
    me.say(room, f"link {linking_code(client, patron)}")
    assert "a chat of your own" in me.wait_for(room, bot_id)[0]
    with db.read(engine) as s:
        assert queries.links_of(s, patron.id) == []


def test_bot_remembers_its_sync_token_across_restarts(bot: Any, person: Any, bot_id: str) -> None:
    first = bot()
    me, room = chat_with_bot(person, bot_id)
    me.say(room, "help")
    me.wait_for(room, bot_id)
    first.terminate()
    first.wait(timeout=20)
    me.say(room, "status 999")  # written while the bot is away
    bot()
    (answer,) = me.wait_for(room, bot_id, timeout=60)
    assert "First link your account" in answer
    time.sleep(2)
    # Answered once, and "help" not again.
    assert me.messages_from(room, bot_id) == []
