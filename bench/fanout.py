"""Publishing a decision costs the same with 10 or 10,000 people to notify.

The request writes the decision and one outbox event; the worker fans it out later. This
bench publishes decisions linked to an idea with 10 followers and to one with 10,000, through
a real server, and prints the request times side by side, then how long the worker takes to
fan out and queue the big one.

    python bench/fanout.py            (or: make bench-fanout)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

import portal.domains  # noqa: E402, F401 - every domain's jobs, and the words of its emails
from bench.common import SECRET, results_path, server, signed_in  # noqa: E402
from portal.accounts import services as accounts  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.accounts.passwords import hash_password  # noqa: E402
from portal.app import routes  # noqa: E402
from portal.core import db  # noqa: E402
from portal.core.clock import utcnow  # noqa: E402
from portal.core.migrate import upgrade  # noqa: E402
from portal.ideas import services as ideas  # noqa: E402
from portal.ideas.models import Category  # noqa: E402
from portal.notifications.worker import Worker  # noqa: E402
from portal.settings import Settings  # noqa: E402
from portal.votes.models import Follow  # noqa: E402
from portal.web import urls  # noqa: E402

PASSWORD = "bench password 123"
ROUNDS = 15


def build(url: str) -> tuple[int, int]:
    upgrade(url)
    engine = db.make_engine(url)
    with db.write(engine) as s:
        s.add(Category(slug="spaces", name="Spaces"))
        s.flush()
        staff = accounts.create_user(
            db=s, email="staff@example.org", display_name="Staff", password=PASSWORD, role="staff"
        )
        small = ideas.propose(
            db=s, actor=staff, title="Small idea", body="Ten followers.", category_id=1
        )
        big = ideas.propose(
            db=s, actor=staff, title="Big idea", body="Ten thousand.", category_id=1
        )
    shared_hash = hash_password(PASSWORD)
    with db.write(engine) as s:
        s.execute(
            insert(User),
            [
                {
                    "email": f"p{i}@example.org",
                    "display_name": f"Person {i}",
                    "password_hash": shared_hash,
                    "role": "patron",
                    "email_confirmed_at": utcnow(),
                }
                for i in range(10_010)
            ],
        )
        first = s.execute(
            insert(User)
            .values(email="last@example.org", display_name="x", role="patron")
            .returning(User.id)
        ).scalar_one()
        ids = range(first - 10_010, first)
        s.execute(
            insert(Follow),
            [{"idea_id": small.id, "user_id": u} for u in list(ids)[:10]]
            + [{"idea_id": big.id, "user_id": u} for u in list(ids)[10:]],
        )
    engine.dispose()
    return small.id, big.id


def publish_times(base: str, idea_id: int) -> list[float]:
    client, token = signed_in(base, "staff@example.org", PASSWORD)
    times = []
    for n in range(ROUNDS):
        started = time.perf_counter()
        r = client.post(
            "/staff/decisions/new",
            data={
                "csrf_token": token,
                "title": f"Decision {n}",
                "you_said": "More of this.",
                "we_did": "We did it.",
                "outcome": "adopted",
                "ideas": str(idea_id),
            },
        )
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 303, r.text[:500]
    return times


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    url = f"sqlite:///{folder / 'fanout.sqlite3'}"
    small, big = build(url)
    with server(url) as base:
        rows = {
            "10 followers": publish_times(base, small),
            "10,000 followers": publish_times(base, big),
        }
    urls.use(routes())  # the addresses in its emails, as `portal worker` does
    worker = Worker(Settings(database_url=url, secret_key=SECRET, smtp_url="smtp://127.0.0.1:9"))
    started = time.perf_counter()
    while worker.fan_out_one():
        pass
    fan_out_s = time.perf_counter() - started
    started = time.perf_counter()
    queued = 0
    while n := worker.queue_emails():
        queued += n
    queue_s = time.perf_counter() - started
    report = {
        name: {
            "median_ms": round(statistics.median(t), 2),
            "p95_ms": round(sorted(t)[int(len(t) * 0.95) - 1], 2),
        }
        for name, t in rows.items()
    }
    report["worker"] = {
        "fan_out_seconds": round(fan_out_s, 2),
        "emails_queued": queued,
        "queue_seconds": round(queue_s, 2),
    }
    print(f"{'publish a decision linked to':32} {'median ms':>10} {'p95 ms':>10}")
    for name in rows:
        print(f"{name:32} {report[name]['median_ms']:>10} {report[name]['p95_ms']:>10}")
    print(
        f"worker: fan-out of all events {fan_out_s:.2f} s, {queued} emails queued "
        f"in {queue_s:.2f} s"
    )
    path = results_path("fanout")
    path.write_text(json.dumps(report, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
