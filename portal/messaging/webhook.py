"""Signatures of the webhook (`/hooks/messages`) and of what the worker posts to the relay.

A request carries `X-Portal-Timestamp` (Unix seconds) and `X-Portal-Signature: sha256=<hex>`,
the HMAC-SHA256 with WEBHOOK_SECRET of the timestamp, a dot and the raw body. The timestamp is
signed with the body so that an old request cannot be sent again with a new time; one more than
MAX_SKEW seconds away from now is refused, and so is a signature seen before (kept as long as it
could still be fresh), so none can be replayed. Two requests with the same body in the same
second are therefore one request: a relay puts its own message id in each body (any other
field is ignored).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from portal.core.clock import utcnow
from portal.core.db import table_of
from portal.messaging.models import SeenSignature

MAX_SKEW = 5 * 60
TIMESTAMP = "X-Portal-Timestamp"
SIGNATURE = "X-Portal-Signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The headers that sign `body` now."""
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP: timestamp, SIGNATURE: signature(secret, timestamp, body)}


def verified(
    secret: str, timestamp: str, given: str, body: bytes, now: float | None = None
) -> bool:
    """Whether `given` signs `body` at `timestamp`, and `timestamp` is within MAX_SKEW of now.
    Compared in constant time; never true without a secret."""
    if not secret or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_SKEW:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given.strip())


def first_use(db: Session, given: str) -> bool:
    """Record a verified signature; False when it was seen before (a replay). The primary key
    decides, so of two copies sent at once only one is taken."""
    key = hashlib.sha256(given.strip().encode()).hexdigest()
    table = table_of(SeenSignature)
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    # RETURNING, on the plain table: whether this statement added the row (an ORM insert's
    # rowcount on PostgreSQL counts the rows given, not the rows written).
    added = db.connection().execute(
        insert(table)
        .values(signature=key, seen_at=utcnow())
        .on_conflict_do_nothing()
        .returning(table.c.signature)
    )
    return added.first() is not None


def forget_old(db: Session) -> int:
    """Delete signatures too old to be accepted again anyway (the worker does)."""
    cutoff = utcnow() - timedelta(seconds=2 * MAX_SKEW)
    result = db.exec(delete(SeenSignature).where(col(SeenSignature.seen_at) < cutoff))
    return int(result.rowcount)
