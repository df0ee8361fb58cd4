"""/staff/messages: the chat messages the worker gave up on, shown to staff by the person's
display name (never the chat address), with the kind and the reason, and sent again; the worker
then delivers them to a real relay."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlmodel import select, update

from portal.core import db
from portal.core.clock import aware, utcnow
from portal.messaging.delivery import MAX_ATTEMPTS
from portal.messaging.models import Link, MessageOutbox
from portal.moderation.models import AuditEntry
from portal.notifications.models import Event, Notification
from tests.conftest import login_as, make_user
from tests.messaging.test_webhook import _follow_and_change
from tests.test_query_counts import statements


def outbox(engine: Any) -> list[MessageOutbox]:
    with db.read(engine) as s:
        return list(s.exec(select(MessageOutbox).order_by(MessageOutbox.id)))


def failed_row(engine: Any, user: Any, address: str, error: str = "relay answered 503") -> int:
    """A message to `user` at `address` that the worker has given up on."""
    with db.write(engine, shown=False) as s:
        event = Event(kind="status")
        link = Link(user_id=user.id, platform="signal", address=address)
        s.add(event)
        s.add(link)
        s.flush()
        note = Notification(user_id=user.id, event_id=event.id, kind="status")
        s.add(note)
        s.flush()
        row = MessageOutbox(
            notification_id=note.id,
            link_id=link.id,
            body="News",
            status="failed",
            attempts=MAX_ATTEMPTS,
            last_error=error,
        )
        s.add(row)
        s.flush()
        return row.id


def _retry_buttons(html: str) -> list[str]:
    return re.findall(r'action="/staff/messages/(\d+)/retry"', html)


def _due_now(engine: Any) -> None:
    with db.write(engine, shown=False) as s:
        s.exec(update(MessageOutbox).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_failed_messages_show_to_staff_and_are_sent_after_a_retry(
    client: Any, engine: Any, patron: Any, staff: Any, relay: Any, relay_worker: Any
) -> None:
    # The relay refuses every attempt until the worker gives up.
    _follow_and_change(engine, client, patron, staff)
    relay.status = 503
    for _ in range(MAX_ATTEMPTS + 1):
        _due_now(engine)
        relay_worker.step()
    [row] = outbox(engine)
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        MAX_ATTEMPTS,
        "relay answered 503",
    )

    login_as(client, staff)
    assert 'href="/staff/messages"' in client.get("/staff/emails").text
    page = client.get("/staff/messages")
    assert page.status_code == 200
    assert "Pat Reader" in page.text
    assert "+4420700001" not in page.text  # the chat address is not shown
    assert "Status changes on ideas I follow" in page.text  # the kind
    assert "relay answered 503" in page.text
    assert f"<td>{MAX_ATTEMPTS}</td>" in page.text
    assert _retry_buttons(page.text) == [str(row.id)]

    relay.status = 200
    received = len(relay.received)
    response = client.post(f"/staff/messages/{row.id}/retry")
    assert response.status_code == 303
    [row] = outbox(engine)
    assert (row.status, row.attempts, row.claimed_by) == ("pending", 0, None)
    assert aware(row.next_attempt_at) <= utcnow()  # due now, not after a backoff
    assert "back in the queue" in client.get(response.headers["location"]).text
    relay_worker.step()
    [row] = outbox(engine)
    assert row.status == "sent"
    assert len(relay.received) == received + 1
    assert _retry_buttons(client.get("/staff/messages").text) == []
    assert "No chat message has failed" in client.get("/staff/messages").text
    with db.read(engine) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "retry_message")).one()
    assert (entry.actor_id, entry.target_id) == (staff.id, row.id)


def test_failed_messages_are_not_for_patrons_and_they_change_nothing(
    client: Any, engine: Any, patron: Any, other_patron: Any
) -> None:
    row_id = failed_row(engine, other_patron, "+4420799999")
    login_as(client, patron)
    assert client.get("/staff/messages").status_code == 403
    assert client.post(f"/staff/messages/{row_id}/retry").status_code == 403
    assert client.post("/staff/messages/999999/retry").status_code == 403  # nothing to learn
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    client.cookies.clear()
    signed_out = client.post(f"/staff/messages/{row_id}/retry")
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/login")
    [row] = outbox(engine)
    assert row.status == "failed"


def test_failed_messages_retrying_twice_or_one_not_failed_changes_nothing(
    client: Any, engine: Any, staff: Any, patron: Any
) -> None:
    row_id = failed_row(engine, patron, "+4420700002")
    login_as(client, staff)
    assert client.post(f"/staff/messages/{row_id}/retry").status_code == 303
    with db.write(engine, shown=False) as s:  # the worker has it, one attempt in
        s.exec(update(MessageOutbox).values(attempts=1, claimed_by="worker-1"))
    response = client.post(f"/staff/messages/{row_id}/retry")
    assert response.status_code == 303
    assert "no longer among the failed ones" in client.get(response.headers["location"]).text
    [row] = outbox(engine)
    assert (row.status, row.attempts, row.claimed_by) == ("pending", 1, "worker-1")
    assert client.post("/staff/messages/999999/retry").status_code == 404


def test_failed_messages_page_runs_the_same_statements_however_many_rows(
    client: Any, engine: Any, staff: Any
) -> None:
    login_as(client, staff)

    def count() -> int:
        with statements(engine) as seen:
            assert client.get("/staff/messages").status_code == 200
        return len(seen)

    failed_row(engine, make_user(engine), "+1")
    one = count()
    for n in range(5):
        failed_row(engine, make_user(engine), f"+2{n}")
    assert count() == one
    assert len(_retry_buttons(client.get("/staff/messages").text)) == 6
