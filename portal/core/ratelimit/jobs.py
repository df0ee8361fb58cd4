"""The worker forgets rate-limit windows that have ended."""

from __future__ import annotations

from typing import Any

from portal.core import jobs
from portal.core.ratelimit.limits import forget_old


@jobs.register
def forget_old_windows(worker: Any) -> int:
    forget_old(worker.engine)
    return 0  # housekeeping is not work that should keep the worker from idling
