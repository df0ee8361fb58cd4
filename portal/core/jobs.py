"""Scheduled jobs of the worker's round, registered by the parts that own the work (the session
reminders of portal.workshops.jobs, the old rate-limit windows of portal.core.ratelimit.jobs):
the worker runs whatever is registered, without importing any of them.

A job is a function taking the worker and returning how much work it did; it must be safe to
run again and from several workers at once."""

from __future__ import annotations

from typing import Any

from portal.core.hooks import Hooks

scheduled: Hooks[[Any], int] = Hooks("the worker's round: scheduled jobs")
register = scheduled.register
# Jobs that carry notifications further once the round has written them (chat messages, by
# portal.messaging.jobs): run after the fan-out, so a notification goes out in its own round.
delivery: Hooks[[Any], int] = Hooks("the worker's round: after the notifications are written")


def run_scheduled(worker: Any) -> int:
    return sum(scheduled(worker))


def run_delivery(worker: Any) -> int:
    return sum(delivery(worker))
