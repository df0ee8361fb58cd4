"""The messaging domain's part of the worker's round: notifications out as chat messages, and
expired linking codes and old webhook signatures forgotten."""

from __future__ import annotations

from typing import Any

from portal.core import db, jobs
from portal.messaging import delivery, services, webhook


@jobs.delivery.register
def messages(worker: Any) -> int:
    """Queue the messages that notifications call for, then send a batch."""
    work = 0
    while n := delivery.queue(worker):
        work += n
    return work + delivery.send(worker)


@jobs.register
def forget(worker: Any) -> int:
    """Codes past their time and signatures too old to be replayed are of no more use."""
    with db.write(worker.engine, shown=False) as s:
        return services.forget_codes(s) + webhook.forget_old(s)
