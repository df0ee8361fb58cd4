"""A worker killed with SIGKILL in the middle of a batch loses nothing and sends nothing
twice: after a restart every queued message reaches the SMTP server exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from sqlalchemy import func, select

from portal.core import db
from portal.ideas import services as ideas
from portal.notifications.models import EmailOutbox
from portal.votes import services as votes
from tests.conftest import SECRET, make_user
from tests.factories import idea as make_idea
from tests.smtp import start

FOLLOWERS = 40
ACCEPTED_BEFORE_KILL = 15


def _worker(database_url: str, smtp_url: str, log, *extra: str) -> subprocess.Popen:  # noqa: ANN001
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMTP_URL": smtp_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": "http://testserver",
        "WORKER_CLAIM_SECONDS": "2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "worker", "--batch", "50", "--poll", "0.1", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def _count(engine, *where) -> int:  # noqa: ANN001
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(EmailOutbox).where(*where)).scalar_one()


def test_worker_killed_mid_batch_delivers_every_message_exactly_once(
    engine, database_url, patron, staff, category, tmp_path
):
    idea = make_idea(engine, patron, category)
    people = [make_user(engine) for _ in range(FOLLOWERS)]
    with db.write(engine) as s:
        for person in people:
            votes.follow(db=s, actor=person, idea_id=idea.id)
    with db.write(engine) as s:
        ideas.change_status(
            db=s,
            actor=staff,
            idea_id=idea.id,
            status="planned",
            response="We will do this next term.",
        )
    queued = FOLLOWERS + 1  # the patron who proposed it follows it too
    controller, inbox = start()
    inbox.hold_after(ACCEPTED_BEFORE_KILL)
    log_path = tmp_path / "worker.log"
    try:
        with log_path.open("w") as log:
            worker = _worker(database_url, inbox.url, log)
            if not inbox.holding.wait(60):
                worker.kill()
                worker.wait()
                raise AssertionError(log_path.read_text())
            os.kill(worker.pid, signal.SIGKILL)  # the server holds message 16 unanswered
            worker.wait(10)
            inbox.release.set()
            inbox.hold_at = None
            assert _count(engine) == queued
            assert _count(engine, EmailOutbox.status == "sent") == ACCEPTED_BEFORE_KILL

            time.sleep(2.5)  # the dead worker's claim on the rest of its batch runs out
            restarted = _worker(database_url, inbox.url, log, "--once")
            assert restarted.wait(60) == 0, log_path.read_text()
    finally:
        controller.stop()

    ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(ids) == queued
    assert max(ids.values()) == 1
    assert _count(engine, EmailOutbox.status == "sent") == queued
