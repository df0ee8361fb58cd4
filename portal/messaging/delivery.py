"""The third channel in the worker's round: notifications to chat messages.

Like email, in short steps that are safe to repeat and to run in several workers at once:
- `queue`: a row in `message_outbox` per notification and link that wants one, unique on
  (notification, link), so a repeated round adds nothing;
- `send`: claim a batch of due rows for a while, send each, mark it sent; a failure is retried
  with exponential backoff, and after MAX_ATTEMPTS the row is marked failed.
A Matrix message is sent with the row's id as its transaction id, so the homeserver takes a
resend (after a crash between sending and marking) as the same message: delivered at least
once, shown once. A relayed platform's message goes to WEBHOOK_RELAY_URL, signed like the
webhook, with the same id for the relay to recognise a resend.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import and_, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from portal.core import db, outbox
from portal.core.clock import utcnow
from portal.messaging import queries, services, webhook
from portal.messaging.models import MATRIX, Link, MessageOutbox
from portal.notifications import queries as notifications_q
from portal.settings import Settings

log = logging.getLogger("portal.messaging")
MAX_ATTEMPTS = 8
BATCH = 50
TIMEOUT = 10.0


class SendError(Exception):
    """A message was not delivered; `permanent` when trying again cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def queue(worker: Any) -> int:
    """Write outbox rows for notifications that linked people want as messages."""
    links = select(col(Link.id), col(Link.user_id), col(Link.created_at)).subquery()

    def queued(notification_id: Any, link_id: Any) -> Any:
        return exists().where(
            col(MessageOutbox.notification_id) == notification_id,
            col(MessageOutbox.link_id) == link_id,
        )

    with db.write(worker.engine, shown=False) as s:
        rows = notifications_q.to_message(s, links, queued, BATCH)
        if not rows:
            return 0
        texts: dict[tuple[int, int], str] = {}
        values = []
        for note_id, link_id, event, user in rows:
            key = (event.id, user.id)
            if key not in texts:
                texts[key] = notifications_q.message_text(s, event, user, worker.settings.base_url)
            values.append(
                dict(
                    notification_id=note_id,
                    link_id=link_id,
                    body=texts[key][:2_000],
                    status="pending",
                    attempts=0,
                    next_attempt_at=utcnow(),
                    last_error="",
                    created_at=utcnow(),
                )
            )
        insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
        s.execute(insert(MessageOutbox).values(values).on_conflict_do_nothing())
        return len(values)


def _claim(worker: Any) -> list[tuple[MessageOutbox, Link]]:
    now = utcnow()
    with db.write(worker.engine, shown=False) as s:
        ids = outbox.claim(s, MessageOutbox, worker.id, now, worker.claim, BATCH)
        if not ids:
            return []
        rows = s.execute(
            select(MessageOutbox, Link)
            .join(Link, col(Link.id) == col(MessageOutbox.link_id))
            .where(col(MessageOutbox.id).in_(ids))
            .order_by(col(MessageOutbox.id))
        ).all()
        return [(r[0], r[1]) for r in rows]


def send(worker: Any) -> int:
    """Send one claimed batch; returns how many were delivered."""
    sent = 0
    for row, link in _claim(worker):
        try:
            if link.platform == MATRIX:
                send_matrix(worker.settings, worker.engine, link.room, row.body, f"portal-{row.id}")
            else:
                _send_relay(worker.settings, link, row)
        except SendError as exc:
            log.warning("message %s not delivered: %s", row.id, exc)
            _failed(worker, row, str(exc), exc.permanent)
            continue
        _finish(worker, row, status="sent", sent_at=utcnow(), attempts=row.attempts + 1)
        sent += 1
    return sent


def _finish(worker: Any, row: MessageOutbox, **values: Any) -> None:
    mine = and_(col(MessageOutbox.id) == row.id, col(MessageOutbox.claimed_by) == worker.id)
    with db.write(worker.engine, shown=False) as s:
        s.execute(
            update(MessageOutbox).where(mine).values(claimed_by=None, claimed_until=None, **values)
        )


def _failed(worker: Any, row: MessageOutbox, error: str, permanent: bool) -> None:
    attempts = row.attempts + 1
    give_up = permanent or attempts >= MAX_ATTEMPTS
    delay = timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
    _finish(
        worker,
        row,
        status="failed" if give_up else "pending",
        attempts=attempts,
        next_attempt_at=utcnow() + delay,
        last_error=error[:500],
    )


def _send_relay(settings: Settings, link: Link, row: MessageOutbox) -> None:
    if not settings.webhook_relay_url or not settings.webhook_secret:
        raise SendError("WEBHOOK_RELAY_URL or WEBHOOK_SECRET is not set")
    body = json.dumps(
        {
            "id": f"m:{row.id}",
            "platform": link.platform,
            "recipient": link.address,
            "text": row.body,
        },
        ensure_ascii=False,
    ).encode()
    headers = {"Content-Type": "application/json", **webhook.headers(settings.webhook_secret, body)}
    try:
        response = httpx.post(
            settings.webhook_relay_url, content=body, headers=headers, timeout=TIMEOUT
        )
    except httpx.HTTPError as exc:
        raise SendError(f"relay: {exc}") from exc
    if response.status_code >= 300:
        raise SendError(f"relay answered {response.status_code}")


# -- Matrix's client-server API, for the worker (the bot itself uses matrix-nio) ---------------

ACCESS_TOKEN, DEVICE_ID, USER_ID, SYNC_TOKEN = (
    "matrix:access_token",
    "matrix:device_id",
    "matrix:user_id",
    "matrix:sync_token",
)


def matrix_login(settings: Settings, engine: Any) -> str:
    """The bot's access token: the one remembered, or a new login with MATRIX_USER and
    MATRIX_PASSWORD (remembered for the worker and the bot alike, so they are one device)."""
    with db.read(engine) as s:
        token = queries.state(s, ACCESS_TOKEN)
    if token:
        return token
    if not (settings.matrix_homeserver and settings.matrix_user and settings.matrix_password):
        raise SendError("MATRIX_HOMESERVER, MATRIX_USER or MATRIX_PASSWORD is not set")
    try:
        response = httpx.post(
            f"{settings.matrix_homeserver}/_matrix/client/v3/login",
            json={
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": settings.matrix_user},
                "password": settings.matrix_password,
                "initial_device_display_name": "portal",
            },
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise SendError(f"matrix login: {exc}") from exc
    if response.status_code != 200:
        raise SendError(f"matrix login answered {response.status_code}")
    found = response.json()
    save_login(engine, found["access_token"], found["device_id"], found["user_id"])
    return str(found["access_token"])


def save_login(engine: Any, access_token: str, device_id: str, user_id: str) -> None:
    with db.write(engine, shown=False) as s:
        services.remember(s, ACCESS_TOKEN, access_token)
        services.remember(s, DEVICE_ID, device_id)
        services.remember(s, USER_ID, user_id)


def send_matrix(settings: Settings, engine: Any, room: str, text: str, txn: str) -> None:
    """Send `text` to a Matrix room as the bot; `txn` makes a resend the same message."""
    if not room:
        raise SendError("no room to write to", permanent=True)
    token = matrix_login(settings, engine)
    url = (
        f"{settings.matrix_homeserver}/_matrix/client/v3/rooms/{quote(room, safe='')}"
        f"/send/m.room.message/{quote(txn, safe='')}"
    )
    try:
        response = httpx.put(
            url,
            json={"msgtype": "m.text", "body": text},
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise SendError(f"matrix: {exc}") from exc
    if response.status_code == 401:  # the login ended: log in again next time
        with db.write(engine, shown=False) as s:
            services.remember(s, ACCESS_TOKEN, "")
    if response.status_code != 200:
        raise SendError(f"matrix answered {response.status_code}: {response.text[:200]}")
