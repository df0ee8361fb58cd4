"""Linking a chat address to an account: the code on /account, how it is kept, how long it
works, unlinking, and the limit on guesses."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select, update

from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import ValidationError
from portal.messaging import services
from portal.messaging.models import Link, LinkCode, MessageOutbox
from tests.conftest import SECRET, login_as
from tests.messaging.test_webhook import code_for, links, say


def test_account_shows_a_code_once_and_keeps_only_its_keyed_hash(
    client: Any, engine: Any, patron: Any
) -> None:
    login_as(client, patron)
    assert "Get a linking code" in client.get("/account").text
    page = client.post("/account/chat/code")
    code = re.search(r'id="link-code">([A-Z0-9-]+)<', page.text).group(1)
    assert "no-store" in page.headers["Cache-Control"]
    with db.read(engine) as s:
        (row,) = s.exec(select(LinkCode))
    plain = code.replace("-", "")
    assert row.user_id == patron.id and plain not in row.code_hash and code not in row.code_hash
    assert code not in client.get("/account").text  # shown once, on that page alone


def test_a_new_code_cancels_the_one_before(client: Any, engine: Any, patron: Any) -> None:
    first, second = code_for(engine, patron), code_for(engine, patron)
    assert "not valid" in say(client, f"link {first}").json()["reply"]
    assert "Pat Reader" in say(client, f"link {second}").json()["reply"]


def test_a_code_works_once_and_not_after_it_expires(engine: Any, patron: Any) -> None:
    code = code_for(engine, patron)
    with db.write(engine) as s:
        services.link(db=s, platform="signal", address="a", code=code.lower(), secret=SECRET)
    with pytest.raises(ValidationError), db.write(engine) as s:
        services.link(db=s, platform="signal", address="b", code=code, secret=SECRET)
    late = code_for(engine, patron)
    with db.write(engine) as s:
        s.exec(update(LinkCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(ValidationError), db.write(engine) as s:
        services.link(db=s, platform="signal", address="c", code=late, secret=SECRET)
    assert [x.address for x in links(engine)] == ["a"]


def test_a_code_made_with_another_secret_key_is_no_code(engine: Any, patron: Any) -> None:
    code = code_for(engine, patron)
    with pytest.raises(ValidationError), db.write(engine) as s:
        services.link(db=s, platform="signal", address="a", code=code, secret="another key")


def test_guessing_codes_is_limited_per_sender(client: Any, engine: Any, patron: Any) -> None:
    for _ in range(10):
        assert "not valid" in say(client, "link AAAA-AAAA").json()["reply"]
    assert "Too many tries" in say(client, f"link {code_for(engine, patron)}").json()["reply"]
    assert links(engine) == []
    # Another sender is not held back by the first one's guesses.
    assert (
        "Pat Reader" in say(client, f"link {code_for(engine, patron)}", sender="+1").json()["reply"]
    )


def test_account_lists_links_and_unlinks_ones_own(
    client: Any, engine: Any, patron: Any, other_patron: Any
) -> None:
    say(client, f"link {code_for(engine, patron)}", sender="+44 mine")
    say(client, f"link {code_for(engine, other_patron)}", sender="+44 theirs")
    mine, theirs = sorted(links(engine), key=lambda x: x.user_id != patron.id)
    login_as(client, patron)
    page = client.get("/account").text
    assert "+44 mine" in page and "+44 theirs" not in page
    assert client.post(f"/account/chat/{theirs.id}/unlink").status_code == 404
    assert client.post(f"/account/chat/{mine.id}/unlink").status_code == 303
    assert [x.address for x in links(engine)] == ["+44 theirs"]


def test_linking_pages_need_a_signed_in_person(client: Any) -> None:
    assert client.post("/account/chat/code").status_code in (302, 303)
    assert client.post("/account/chat/1/unlink").status_code in (302, 303)


def test_a_blocked_person_gets_no_code_and_their_code_stops_working(
    client: Any, engine: Any, patron: Any
) -> None:
    code = code_for(engine, patron)
    with db.write(engine) as s:
        s.get(type(patron), patron.id).blocked_at = utcnow()
    assert "not valid" in say(client, f"link {code}").json()["reply"]
    with db.read(engine) as s:
        assert list(s.exec(select(Link))) == []


def test_notification_settings_choose_messages_per_kind(
    client: Any, engine: Any, patron: Any
) -> None:
    from portal.notifications import queries
    from portal.notifications.models import KINDS

    login_as(client, patron)
    form = {f"mode-{k}": "immediate" for k in KINDS} | {f"message-{k}": "1" for k in KINDS}
    del form["message-comment"]
    assert client.post("/notifications/settings", form).status_code == 303
    with db.read(engine) as s:
        chosen = queries.messages(s, patron.id)
    assert chosen["comment"] is False and chosen["status"] is True
    assert 'name="message-comment" value="1">' in client.get("/notifications/settings").text


def test_export_holds_ones_chat_links_and_deleting_the_account_removes_them(
    client: Any, engine: Any, patron: Any, staff: Any, relay: Any, relay_worker: Any
) -> None:
    from tests.conftest import PASSWORD
    from tests.messaging.test_webhook import _follow_and_change

    _follow_and_change(engine, client, patron, staff)
    relay.status = 503
    relay_worker.step()  # a message waiting for the relay
    login_as(client, patron)
    exported = client.get("/account/export.json").json()["chat_links"]
    assert [(x["platform"], x["address"]) for x in exported] == [("signal", "+4420700001")]
    assert client.post("/account/delete", {"password": PASSWORD}).status_code == 303
    with db.read(engine) as s:
        assert list(s.exec(select(Link))) == [] and list(s.exec(select(LinkCode))) == []
        assert list(s.exec(select(MessageOutbox))) == []
