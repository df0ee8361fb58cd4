"""/healthz: JSON with the version, whether the schema is at the latest migration, the emails
waiting (and the oldest one's age) and failed, and when a worker was last seen; 503 when the
database does not answer. Never a kept page: it is polled, and must say how things are now."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import select

from portal import __version__
from portal.app import create_app
from portal.core import db
from portal.core.clock import utcnow
from portal.core.migrate import alembic_config, latest_revision
from portal.notifications.heartbeat import EVERY, FORGET_AFTER, Heartbeat
from portal.notifications.models import EmailOutbox, WorkerHeartbeat
from tests import pg
from tests.conftest import DB_KIND, Client


def email(engine, status: str, age: timedelta = timedelta(0)) -> None:
    with db.write(engine, shown=False) as s:
        s.add(
            EmailOutbox(
                idempotency_key=f"test:{status}:{age}:{utcnow().timestamp()}",
                to_addr="reader@example.org",
                subject="News",
                body="Hello",
                kind="status",
                status=status,
                created_at=utcnow() - age,
            )
        )


def test_healthz_reports_version_schema_emails_and_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "database": {
            "reachable": True,
            "schema": latest_revision(),
            "latest": latest_revision(),
            "up_to_date": True,
        },
        "emails": {"waiting": 0, "oldest_waiting_seconds": None, "failed": 0},
        "worker": {"last_seen": None, "seconds_ago": None},
    }


def test_healthz_counts_waiting_and_failed_emails_at_once_never_a_kept_page(client, engine):
    assert client.get("/healthz").json()["emails"]["waiting"] == 0
    email(engine, "pending", timedelta(minutes=10))
    email(engine, "pending")
    email(engine, "failed", timedelta(days=2))
    email(engine, "sent", timedelta(days=30))
    # The outbox is a write no page shows (the data version does not move): a kept answer
    # would still say 0.
    emails = client.get("/healthz").json()["emails"]
    assert emails["waiting"] == 2 and emails["failed"] == 1
    assert 600 <= emails["oldest_waiting_seconds"] < 660
    assert "x-cache" not in client.get("/healthz").headers


def test_healthz_says_when_a_worker_was_last_seen(client, worker):
    worker.step()
    seen = client.get("/healthz").json()["worker"]
    assert seen["seconds_ago"] is not None and 0 <= seen["seconds_ago"] < 5
    assert seen["last_seen"].endswith("Z")


def test_heartbeat_is_written_at_most_every_few_seconds_and_forgets_old_workers(engine):
    with db.write(engine, shown=False) as s:
        s.add(WorkerHeartbeat(worker_id="gone:1", seen_at=utcnow() - FORGET_AFTER * 2))
    beat = Heartbeat(engine, "here:2")
    now = utcnow()
    beat.beat(now)
    beat.beat(now + EVERY / 2)

    def seen() -> dict:
        with db.read(engine) as s:
            rows = s.execute(select(WorkerHeartbeat)).scalars()
            return {r.worker_id: r.seen_at.replace(tzinfo=None) for r in rows}

    assert seen() == {"here:2": now.replace(tzinfo=None)}
    beat.beat(now + EVERY)
    assert seen() == {"here:2": (now + EVERY).replace(tzinfo=None)}


def test_healthz_with_the_schema_behind_says_so_and_still_answers(database_url, settings):
    command.downgrade(alembic_config(database_url), "0010")
    app = create_app(settings)
    try:
        with Client(app, base_url="http://testserver") as client:
            response = client.get("/healthz")
    finally:
        app.state.engine.dispose()
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {
        "reachable": True,
        "schema": "0010",
        "latest": latest_revision(),
        "up_to_date": False,
    }
    assert body["emails"] is None and body["worker"] is None


def _health_of(settings) -> tuple[int, dict]:
    app = create_app(settings)
    try:
        with Client(app, base_url="http://testserver") as client:
            response = client.get("/healthz")
            return response.status_code, response.json()
    finally:
        app.state.engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-folder/portal.sqlite3",
        f"postgresql://portal@127.0.0.1:{pg.free_port()}/portal",
    ],
    ids=["sqlite-cannot-open", "postgresql-nothing-listening"],
)
def test_healthz_is_503_when_the_database_cannot_be_reached(settings, url):
    status, body = _health_of(dataclasses.replace(settings, database_url=url))
    assert status == 503
    assert body == {
        "status": "unavailable",
        "version": __version__,
        "database": {"reachable": False},
    }


@pytest.mark.skipif(DB_KIND != "postgresql", reason="stops a PostgreSQL cluster of its own")
def test_healthz_is_503_once_postgresql_stops_and_200_before(settings):
    app = None
    try:
        with pg.cluster() as url:
            app = create_app(dataclasses.replace(settings, database_url=url))
            client = Client(app, base_url="http://testserver")
            assert client.get("/healthz").status_code == 200
        response = client.get("/healthz")  # the cluster is stopped now
        assert response.status_code == 503
        assert response.json()["database"] == {"reachable": False}
    finally:
        if app is not None:
            app.state.engine.dispose()
