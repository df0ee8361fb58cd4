"""Scheduled jobs that other domains add to the worker's round (e.g. session reminders).

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
