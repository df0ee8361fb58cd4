"""The limits and their fixed windows: which window an attempt falls in, and when it is past
the limit. Shared by both places that count (portal.core.ratelimit.limits in the database,
portal.core.ratelimit.redis_counter in Redis)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from portal.core.clock import utcnow


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


LIMITS = {
    # Every password tried from one address (signing in, linking single sign-on).
    "login-address": Limit("login-address", 300, 15 * 60),
    # Wrong passwords (portal.accounts.guessing): for one account from one address, from one
    # address across accounts, and for one account from anywhere (an account "under attack").
    "login-fail-pair": Limit("login-fail-pair", 10, 15 * 60),
    "login-fail-address": Limit("login-fail-address", 30, 15 * 60),
    "login-fail-account": Limit("login-fail-account", 100, 60 * 60),
    "signup-address": Limit("signup-address", 100, 60 * 60),
    # Asking for account emails (a password reset, the confirmation link again) from one
    # address; and the emails one account is sent about itself, beyond which none is queued.
    "account-email-address": Limit("account-email-address", 30, 60 * 60),
    "account-email": Limit("account-email", 5, 60 * 60),
    "idea": Limit("idea", 20, 60 * 60),
    "story": Limit("story", 10, 60 * 60),
    "comment": Limit("comment", 30, 10 * 60),
    "vote": Limit("vote", 120, 60),
    "flag": Limit("flag", 20, 60 * 60),
    # Feedback one staff member records for others (portal.desk): a busy day, never a script's.
    "desk": Limit("desk", 300, 60 * 60),
    # Answers to mail from addresses without an account (portal.inbound): per address, and in
    # all, so that mail with a forged sender cannot make the portal a mail cannon.
    "inbound-reply-address": Limit("inbound-reply-address", 3, 24 * 60 * 60),
    "inbound-reply": Limit("inbound-reply", 200, 60 * 60),
    # Pictures and PDFs one person attaches to their own ideas and comments in a day.
    "media": Limit("media", 20, 24 * 60 * 60),
    # Linking codes sent to the bot by one chat address, right or wrong (portal.messaging).
    "message-link": Limit("message-link", 10, 15 * 60),
}


class RateLimited(Exception):
    """Too many attempts; `retry_after` seconds until the window ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Window:
    """The fixed window of `limit` that an attempt at a given moment falls in."""

    key: str  # "{limit}:{subject}", at most 200 characters
    start: int  # epoch seconds
    retry_after: int  # seconds from the attempt to the window's end, at least 1
    allowed: int  # attempts allowed in the window

    def check(self, count: int) -> None:
        """Raise RateLimited when `count` attempts are past the limit."""
        if count > self.allowed:
            raise RateLimited(self.retry_after)


def window_for(limit_name: str, subject: str, now: datetime | None, factor: float) -> _Window:
    limit = LIMITS[limit_name]
    epoch = int((now or utcnow()).timestamp())
    start = epoch - epoch % limit.seconds
    key = f"{limit.name}:{subject}".replace("\x00", "")[:200]
    allowed = math.ceil(limit.count * factor)
    return _Window(key, start, max(1, start + limit.seconds - epoch), allowed)


def retry_after(limit_name: str, now: datetime | None = None) -> int:
    """Seconds until the current window of `limit_name` ends (at least 1)."""
    return window_for(limit_name, "", now, 1.0).retry_after
