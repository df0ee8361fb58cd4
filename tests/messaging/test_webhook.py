"""/hooks/messages: the signed webhook for other platforms' relays, and what the worker posts
back to the relay."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select, update

from portal.core import db
from portal.core.clock import utcnow
from portal.ideas import services as ideas
from portal.messaging import queries, services, webhook
from portal.messaging.models import Link, MessageOutbox
from portal.notifications import services as notifications
from tests.conftest import SECRET
from tests.messaging.conftest import WEBHOOK_SECRET

_ids = itertools.count()


def signed(body: bytes, *, secret: str = WEBHOOK_SECRET, at: float | None = None) -> dict:
    return {"Content-Type": "application/json", **webhook.headers(secret, body, at)}


def say(client: Any, text: str, sender: str = "+4420700001", platform: str = "signal") -> Any:
    """What a relay posts: each message with its own id, so that the same words sent twice in
    one second are two requests, not a replay."""
    message = {"id": next(_ids), "platform": platform, "sender": sender, "text": text}
    body = json.dumps(message).encode()
    return client.post("/hooks/messages", content=body, headers=signed(body), csrf=False)


def code_for(engine: Any, user: Any) -> str:
    with db.write(engine) as s:
        return services.new_code(db=s, actor=user, secret=SECRET)


def links(engine: Any) -> list[Link]:
    with db.read(engine) as s:
        return list(s.exec(select(Link)))


def test_webhook_links_a_sender_and_answers_the_same_commands(
    client: Any, engine: Any, patron: Any, staff: Any
) -> None:
    assert "First link your account" in say(client, "idea: Longer hours").json()["reply"]
    reply = say(client, f"link {code_for(engine, patron)}").json()["reply"]
    assert "Pat Reader" in reply
    assert [(x.platform, x.address, x.user_id) for x in links(engine)] == [
        ("signal", "+4420700001", patron.id)
    ]
    posted = say(client, "idea: Longer hours\nOpen until 22:00 in exam weeks.").json()["reply"]
    assert "Your idea is posted" in posted
    with db.write(engine) as s:
        idea = ideas.propose(
            db=s, actor=staff, title="More plugs", body="At desks.", category_id=None
        )
    assert "is counted" in say(client, f"vote {idea.id}").json()["reply"]
    # No language chosen on the site: the reply follows the words used.
    assert say(client, f"投票 {idea.id}").json()["reply"] == f"你已经为想法 {idea.id} 投过票了。"
    assert "Planned" not in say(client, f"status #{idea.id}").json()["reply"]
    assert "Sorry, I did not understand" in say(client, "hello?").json()["reply"]


def test_webhook_replies_in_the_linked_persons_language(
    client: Any, engine: Any, patron: Any
) -> None:
    with db.write(engine) as s:
        s.get(type(patron), patron.id).locale = "zh_Hans"
    say(client, f"link {code_for(engine, patron)}")
    assert say(client, "status 999").json()["reply"] == "没有编号为 999 的想法。"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {webhook.TIMESTAMP: str(int(time.time()))},
        {webhook.SIGNATURE: "sha256=" + "0" * 64},
        "other secret",
        "stale",
        "future",
        "body changed",
        "timestamp changed",
    ],
)
def test_webhook_refuses_unsigned_wrongly_signed_and_stale_requests(
    client: Any, engine: Any, patron: Any, headers: Any
) -> None:
    body = json.dumps(
        {"platform": "signal", "sender": "x", "text": f"link {code_for(engine, patron)}"}
    ).encode()
    sent = body
    if headers == "other secret":
        headers = signed(body, secret="guess")
    elif headers == "stale":
        headers = signed(body, at=time.time() - webhook.MAX_SKEW - 5)
    elif headers == "future":
        headers = signed(body, at=time.time() + webhook.MAX_SKEW + 5)
    elif headers == "body changed":
        headers, sent = signed(body), body.replace(b"signal", b"sigmal")
    elif headers == "timestamp changed":
        headers = signed(body, at=time.time() - 60)
        headers[webhook.TIMESTAMP] = str(int(time.time()))
    response = client.post("/hooks/messages", content=sent, headers=headers, csrf=False)
    assert response.status_code == 401
    assert links(engine) == []


def test_webhook_refuses_a_replayed_request(client: Any, engine: Any, patron: Any) -> None:
    body = json.dumps({"platform": "signal", "sender": "x", "text": "help"}).encode()
    headers = signed(body)
    first = client.post("/hooks/messages", content=body, headers=headers, csrf=False)
    again = client.post("/hooks/messages", content=body, headers=headers, csrf=False)
    assert (first.status_code, again.status_code) == (200, 401)


def test_webhook_refuses_every_request_when_no_secret_is_set(client: Any, app: Any) -> None:
    import dataclasses

    app.state.settings = dataclasses.replace(app.state.settings, webhook_secret="")
    body = b'{"platform": "signal", "sender": "x", "text": "help"}'
    response = client.post(
        "/hooks/messages", content=body, headers=signed(body, secret=""), csrf=False
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b"null",
        b'{"platform": "signal"}',
        b'{"platform": 7, "sender": "x", "text": "help"}',
        b'{"platform": "signal", "sender": "", "text": "help"}',
        b'{"platform": "signal", "sender": "x", "text": ["help"]}',
        b'{"platform": "Signal Messenger!", "sender": "x", "text": "help"}',
        b'{"platform": "signal", "sender": "x\\u0000", "text": "help"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_webhook_answers_odd_json_with_400_never_500(client: Any, body: bytes) -> None:
    if len(body) > 64 * 1024:
        response = client.post("/hooks/messages", content=body, headers=signed(body), csrf=False)
        assert response.status_code == 413
        return
    response = client.post("/hooks/messages", content=body, headers=signed(body), csrf=False)
    assert response.status_code == 400
    assert "platform" in response.json()["error"]


def test_webhook_cannot_speak_for_a_matrix_address(client: Any, engine: Any, patron: Any) -> None:
    response = say(
        client, f"link {code_for(engine, patron)}", sender="@ana:example.org", platform="matrix"
    )
    assert response.status_code == 400
    assert links(engine) == []


def _follow_and_change(engine: Any, client: Any, patron: Any, staff: Any) -> int:
    """The patron links through the relay and votes; staff plan the idea (a notification)."""
    say(client, f"link {code_for(engine, patron)}")
    with db.write(engine) as s:
        idea = ideas.propose(db=s, actor=staff, title="Late loans", body="Later.", category_id=None)
        idea_id = idea.id
    say(client, f"vote {idea_id}")
    with db.write(engine) as s:
        ideas.change_status(db=s, actor=staff, idea_id=idea_id, status="planned", response="Yes.")
    return idea_id


def test_worker_posts_notifications_to_the_relay_signed_and_once(
    client: Any, engine: Any, patron: Any, staff: Any, relay: Any, relay_worker: Any
) -> None:
    idea_id = _follow_and_change(engine, client, patron, staff)
    relay_worker.step()
    relay_worker.step()
    (got,) = relay.received
    stamp, signature = got.headers[webhook.TIMESTAMP], got.headers[webhook.SIGNATURE]
    assert webhook.verified(WEBHOOK_SECRET, stamp, signature, got.body)
    message = json.loads(got.body)
    assert (message["platform"], message["recipient"]) == ("signal", "+4420700001")
    assert "Late loans" in message["text"] and f"/ideas/{idea_id}" in message["text"]


def test_worker_retries_a_message_the_relay_refused(
    client: Any, engine: Any, patron: Any, staff: Any, relay: Any, relay_worker: Any
) -> None:
    _follow_and_change(engine, client, patron, staff)
    relay.status = 503
    relay_worker.step()
    with db.read(engine) as s:
        (row,) = s.exec(select(MessageOutbox))
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "relay answered 503")
    relay.status = 200
    relay_worker.step()  # not due yet: backoff
    assert len(relay.received) == 1
    with db.write(engine) as s:
        s.exec(update(MessageOutbox).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    relay_worker.step()
    with db.read(engine) as s:
        (row,) = s.exec(select(MessageOutbox))
        assert (row.status, row.attempts) == ("sent", 2)
    assert len(relay.received) == 2
    assert json.loads(relay.received[0].body)["id"] == json.loads(relay.received[1].body)["id"]


def test_worker_sends_no_message_of_a_kind_turned_off(
    client: Any, engine: Any, patron: Any, staff: Any, relay: Any, relay_worker: Any
) -> None:
    with db.write(engine) as s:
        notifications.set_mode(s, patron.id, "status", "immediate", message=False)
    _follow_and_change(engine, client, patron, staff)
    relay_worker.step()
    assert relay.received == []
    with db.read(engine) as s:
        assert queries.links_of(s, patron.id)  # linked all the same
