"""Scheduled jobs of the worker's round, registered by the parts that own the work (the session
reminders of portal.workshops.jobs, the old rate-limit windows of portal.core.ratelimit.jobs):
the worker runs whatever is registered, without importing any of them.

A job is a function taking the worker and returning how much work it did; it must be safe to
run again and from several workers at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEDULED: list[Callable[[Any], int]] = []


def register(job: Callable[[Any], int]) -> Callable[[Any], int]:
    SCHEDULED.append(job)
    return job


def run_scheduled(worker: Any) -> int:
    return sum(job(worker) for job in SCHEDULED)
