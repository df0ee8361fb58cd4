"""Rate limits counted in Redis (`REDIS_URL`), shared by every app process that uses the same
server. Redis is an optional extra, so this module is imported only when it is configured."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Connection

from portal.core.ratelimit.windows import window_for

log = logging.getLogger("portal.ratelimit")


class RedisCounter:
    """Counts in Redis: INCR and EXPIRE in one MULTI/EXEC transaction, so every process that
    uses the same server shares one count and a key lives exactly as long as its window.

    The expiry is the time left in the window by the portal's clock, so the servers' clocks
    need not agree for a window to end on time.

    Fails open: when Redis cannot be reached (refused, timed out, any Redis error) the attempt
    is allowed and a warning is logged, so an outage of Redis never takes the site down; for
    `pause` seconds after a failure Redis is not asked at all, so a server that is down or
    unreachable does not slow every request by a connect timeout. Limits are not enforced
    while Redis is unavailable.
    """

    def __init__(
        self, url: str, *, timeout: float = 0.5, pause: float = 5.0, factor: float = 1.0
    ) -> None:
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1),  # one reconnect for a connection that went stale
        )
        self.pause = pause
        self.factor = factor
        self._down_until = 0.0

    def hit(
        self,
        limit_name: str,
        subject: str,
        now: datetime | None = None,
        *,
        conn: Connection | None = None,  # the caller's transaction: not used, Redis counts
    ) -> None:
        window = window_for(limit_name, subject, now, self.factor)
        if time.monotonic() < self._down_until:
            return
        key = f"ratelimit:{window.key}:{window.start}"
        try:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, window.retry_after)
                count, _ = pipe.execute()
        except redis.RedisError as exc:
            self._down_until = time.monotonic() + self.pause
            log.warning("rate limits not enforced for %ss: Redis failed (%s)", self.pause, exc)
            return
        window.check(int(count))

    def over(self, limit_name: str, subject: str, now: datetime | None = None) -> None:
        window = window_for(limit_name, subject, now, self.factor)
        window.check(self.count(limit_name, subject, now) + 1)

    def count(self, limit_name: str, subject: str, now: datetime | None = None) -> int:
        window = window_for(limit_name, subject, now, self.factor)
        if time.monotonic() < self._down_until:
            return 0
        try:
            found = self.client.get(f"ratelimit:{window.key}:{window.start}")
        except redis.RedisError as exc:
            self._down_until = time.monotonic() + self.pause
            log.warning("rate limits not enforced for %ss: Redis failed (%s)", self.pause, exc)
            return 0
        return int(found or 0)

    def close(self) -> None:
        self.client.close()
