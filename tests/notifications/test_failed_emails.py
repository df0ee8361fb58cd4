"""/staff/emails: the emails the worker gave up on, with the address, the reason and the
attempts, and staff sending them again; the worker then delivers them to a real SMTP server."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from sqlalchemy import select, update

from portal.core import db
from portal.core.clock import aware, utcnow
from portal.ideas import services as ideas
from portal.moderation.models import AuditEntry
from portal.notifications.models import EmailOutbox
from portal.notifications.queries import FAILED_PER_PAGE
from portal.notifications.worker import MAX_ATTEMPTS, Worker
from tests import factories as f
from tests.conftest import login_as
from tests.pg import free_port


def outbox(engine) -> list[EmailOutbox]:
    with db.read(engine) as s:
        return list(s.execute(select(EmailOutbox).order_by(EmailOutbox.id)).scalars())


def failed_row(engine, to: str = "reader@example.org", error: str = "Connection refused") -> int:
    """An email the worker has given up on."""
    with db.write(engine, shown=False) as s:
        row = EmailOutbox(
            idempotency_key=f"test:{to}:{utcnow().timestamp()}",
            to_addr=to,
            subject=f"News for {to}",
            body="Hello",
            kind="status",
            status="failed",
            attempts=MAX_ATTEMPTS,
            last_error=error,
        )
        s.add(row)
        s.flush()
        return row.id


def _retry_buttons(html: str) -> list[str]:
    return re.findall(r'action="/staff/emails/(\d+)/retry"', html)


def test_failed_emails_fail_against_a_closed_port_show_to_staff_and_are_sent_after_a_retry(
    client, engine, settings, smtp_server, worker, patron, staff, category
):
    # The mail server is down: every attempt fails until the worker gives up.
    down = Worker(dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{free_port()}"), engine)
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        ideas.change_status(db=s, actor=staff, idea_id=idea.id, status="planned", response="Yes")
    for _ in range(MAX_ATTEMPTS):
        with db.write(engine, shown=False) as s:
            s.execute(update(EmailOutbox).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        down.step()
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error

    login_as(client, staff)
    page = client.get("/staff/emails")
    assert page.status_code == 200
    assert patron.email in page.text
    assert row.subject in page.text
    assert row.last_error.split(":")[0] in page.text  # the reason, as the server gave it
    assert f"<td>{MAX_ATTEMPTS}</td>" in page.text
    assert _retry_buttons(page.text) == [str(row.id)]

    # The mail server is up again (the `worker` fixture sends to the real one): retry.
    response = client.post(f"/staff/emails/{row.id}/retry")
    assert response.status_code == 303
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("pending", 0)
    assert aware(row.next_attempt_at) <= utcnow()  # due now, not after a backoff
    assert "back in the queue" in client.get(response.headers["location"]).text
    worker.step()
    [row] = outbox(engine)
    assert row.status == "sent"
    assert [m["To"] for m in smtp_server.messages] == [patron.email]
    assert _retry_buttons(client.get("/staff/emails").text) == []
    # The retry is a staff action like any other: in the audit log.
    with db.read(engine) as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "retry_email")).scalar_one()
    assert (entry.actor_id, entry.target_id) == (staff.id, row.id)


def test_failed_emails_retry_all_puts_every_failed_one_back_and_only_those(client, engine, admin):
    first, second = failed_row(engine, "a@example.org"), failed_row(engine, "b@example.org")
    with db.write(engine, shown=False) as s:
        sent = EmailOutbox(
            idempotency_key="sent", to_addr="c@example.org", subject="s", body="b", kind="status"
        )
        sent.status = "sent"
        s.add(sent)
    login_as(client, admin)
    assert sorted(_retry_buttons(client.get("/staff/emails").text)) == sorted(
        [str(first), str(second)]
    )
    response = client.post("/staff/emails/retry")
    assert response.status_code == 303
    statuses = {r.to_addr: (r.status, r.attempts) for r in outbox(engine)}
    assert statuses == {
        "a@example.org": ("pending", 0),
        "b@example.org": ("pending", 0),
        "c@example.org": ("sent", 0),
    }
    assert "No email has failed" in client.get("/staff/emails").text


def test_failed_emails_retrying_one_that_is_no_longer_failed_changes_nothing(client, engine, staff):
    row_id = failed_row(engine)
    login_as(client, staff)
    assert client.post(f"/staff/emails/{row_id}/retry").status_code == 303
    with db.write(engine, shown=False) as s:  # the worker sends it meanwhile
        s.execute(update(EmailOutbox).values(status="sent", attempts=1))
    response = client.post(f"/staff/emails/{row_id}/retry")  # a second click, or a second tab
    assert response.status_code == 303
    assert "no longer among the failed ones" in client.get(response.headers["location"]).text
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("sent", 1)
    assert client.post("/staff/emails/999999/retry").status_code == 404


def test_failed_emails_patrons_and_committee_members_are_refused(client, engine, patron, committee):
    row_id = failed_row(engine)
    for person in (patron, committee):
        login_as(client, person)
        assert client.get("/staff/emails").status_code == 403
        assert client.post(f"/staff/emails/{row_id}/retry").status_code == 403
        assert client.post("/staff/emails/retry").status_code == 403
    [row] = outbox(engine)
    assert row.status == "failed"


def test_failed_emails_are_listed_a_page_at_a_time(client, engine, staff):
    for n in range(FAILED_PER_PAGE + 3):
        failed_row(engine, f"reader{n}@example.org")
    login_as(client, staff)
    first = client.get("/staff/emails")
    assert len(_retry_buttons(first.text)) == FAILED_PER_PAGE
    assert 'rel="next"' in first.text
    second = client.get("/staff/emails?page=2")
    assert len(_retry_buttons(second.text)) == 3
    assert not set(_retry_buttons(first.text)) & set(_retry_buttons(second.text))


def test_failed_emails_the_staff_desk_links_to_them(client, staff):
    login_as(client, staff)
    assert 'href="/staff/emails"' in client.get("/staff").text
