"""`portal worker`: fans events out, queues and sends email, sends daily digests.

Every step is a short transaction that can be repeated safely, so any number of workers may
run at once and a killed worker loses nothing:
- an event is fanned out in one transaction (notifications have a unique (user, event) key);
- emails are queued from notifications in batches, keyed `n:<notification id>`;
- sending claims a batch of due rows for a while (`claimed_until`); a row is marked sent
  right after the SMTP server accepts it. A worker that dies leaves its claim to expire and
  another worker (or itself, restarted) sends the rest. Rows are claimed with
  FOR UPDATE SKIP LOCKED on PostgreSQL and under SQLite's single writer lock on SQLite.
Failures are retried with exponential backoff; after MAX_ATTEMPTS the row is marked failed.
"""

from __future__ import annotations

import logging
import os
import signal
import smtplib
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from portal.accounts.models import User
from portal.core import db, jobs, outbox
from portal.core.clock import utcnow
from portal.notifications import content, mailer, replies, unsubscribe
from portal.notifications.fanout import fan_out
from portal.notifications.heartbeat import Heartbeat
from portal.notifications.models import EmailOutbox, Event, Notification
from portal.settings import Settings
from portal.web.urls import path_for

log = logging.getLogger("portal.worker")
MAX_ATTEMPTS = 8
QUEUE_BATCH = 500


class Worker:
    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        *,
        batch: int = 20,
        claim_seconds: int | None = None,
        digest_hour: int | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine or db.make_engine(settings.database_url)
        self.batch = batch
        self.claim = timedelta(seconds=claim_seconds or settings.worker_claim_seconds)
        self.digest_hour = digest_hour if digest_hour is not None else settings.digest_hour
        self.id = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = False
        self.heartbeat = Heartbeat(self.engine, self.id)

    @property
    def _pg(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _insert(self) -> Callable[[type[EmailOutbox]], postgresql.Insert | sqlite.Insert]:
        return postgresql.insert if self._pg else sqlite.insert

    # -- events -> notifications -------------------------------------------------------
    def fan_out_one(self) -> bool:
        """Fan out the oldest pending event. True when there was one."""
        with db.write(self.engine, shown=False) as s:
            stmt = (
                select(Event)
                .where(col(Event.fanned_out_at).is_(None))
                .order_by(col(Event.id))
                .limit(1)
            )
            if self._pg:
                stmt = stmt.with_for_update(skip_locked=True)
            event = s.execute(stmt).scalar_one_or_none()
            if event is None:
                return False
            fan_out(s, event)
        db.bump_version(self.engine)  # a decision's page counts the people it notified
        return True

    def _reply_to(self, user_id: int, idea_id: int | None) -> str:
        """The address by which a reply to an email about an idea becomes its reader's
        comment (portal.inbound), when INBOUND_ADDRESS is set."""
        if not self.settings.inbound_address or idea_id is None:
            return ""
        return replies.reply_address(
            self.settings.inbound_address, self.settings.secret_key, user_id, idea_id
        )

    # -- notifications -> outbox -------------------------------------------------------
    def queue_emails(self) -> int:
        """Write outbox rows for a batch of notifications that want an email now."""
        with db.write(self.engine, shown=False) as s:
            stmt = (
                select(Notification, Event, User)
                .join(Event, col(Event.id) == col(Notification.event_id))
                .join(User, col(User.id) == col(Notification.user_id))
                .where(col(Notification.email_state) == "send")
                .order_by(col(Notification.id))
                .limit(QUEUE_BATCH)
            )
            if self._pg:
                stmt = stmt.with_for_update(of=Notification, skip_locked=True)
            rows = s.execute(stmt).all()
            if not rows:
                return 0
            contexts: dict[int, dict] = {}
            values = []
            for note, event, user in rows:
                if event.id not in contexts:
                    contexts[event.id] = content.for_event(s, event, self.settings.base_url)
                reply_to = self._reply_to(user.id, event.idea_id)
                ctx = {
                    **contexts[event.id],
                    "reply_by_email": bool(reply_to),
                    "user": user,  # the reader: who may see a hidden idea's title
                    "name": user.display_name,
                    "unsubscribe_url": unsubscribe.url(
                        self.settings.base_url, self.settings.secret_key, user.id, event.kind
                    ),
                }
                subject, body = mailer.compose(event.kind, ctx, user.locale)
                values.append(
                    dict(
                        idempotency_key=f"n:{note.id}",
                        user_id=user.id,
                        to_addr=user.email,
                        subject=subject,
                        body=body,
                        kind=event.kind,
                        status="pending",
                        attempts=0,
                        next_attempt_at=utcnow(),
                        last_error="",
                        created_at=utcnow(),
                        reply_to=reply_to,
                    )
                )
            s.execute(self._insert()(EmailOutbox).values(values).on_conflict_do_nothing())
            s.execute(
                update(Notification)
                .where(col(Notification.id).in_([r[0].id for r in rows]))
                .values(email_state="done")
            )
            return len(rows)

    def queue_digests(self, now: datetime | None = None) -> int:
        """Once a day, after DIGEST_HOUR (UTC), one email per person with their digest items."""
        now = now or utcnow()
        cutoff = now.replace(hour=self.digest_hour, minute=0, second=0, microsecond=0)
        if now < cutoff:
            return 0
        with db.write(self.engine, shown=False) as s:
            rows = s.execute(
                select(Notification, Event, User)
                .join(Event, col(Event.id) == col(Notification.event_id))
                .join(User, col(User.id) == col(Notification.user_id))
                .where(
                    col(Notification.email_state) == "digest", col(Notification.created_at) < cutoff
                )
                .order_by(col(Notification.user_id), col(Notification.id))
                .limit(QUEUE_BATCH)
            ).all()
            if not rows:
                return 0
            by_user: dict[int, list] = {}
            for note, event, user in rows:
                by_user.setdefault(user.id, []).append((note, event, user))
            contexts: dict[int, dict] = {}
            for user_id, items in by_user.items():
                user = items[0][2]
                entries = []
                for _note, event, _u in items:
                    if event.id not in contexts:
                        contexts[event.id] = content.for_event(s, event, self.settings.base_url)
                    entries.append({**contexts[event.id], "kind": event.kind})
                ctx = {
                    "user": user,
                    "name": user.display_name,
                    "entries": entries,
                    "settings_url": self.settings.base_url + path_for("notifications:settings"),
                    "unsubscribe_url": unsubscribe.url(
                        self.settings.base_url, self.settings.secret_key, user_id, "digest"
                    ),
                }
                subject, body = mailer.compose("digest", ctx, user.locale)
                s.execute(
                    self._insert()(EmailOutbox)
                    .values(
                        idempotency_key=f"digest:{user_id}:{cutoff.date().isoformat()}:{items[0][0].id}",
                        user_id=user_id,
                        to_addr=user.email,
                        subject=subject,
                        body=body,
                        kind="digest",
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        last_error="",
                        created_at=now,
                    )
                    .on_conflict_do_nothing()
                )
            s.execute(
                update(Notification)
                .where(col(Notification.id).in_([r[0].id for r in rows]))
                .values(email_state="done")
            )
            return len(by_user)

    # -- outbox -> SMTP ----------------------------------------------------------------
    def claim_batch(self) -> list[EmailOutbox]:
        now = utcnow()
        with db.write(self.engine, shown=False) as s:
            ids = outbox.claim(s, EmailOutbox, self.id, now, self.claim, self.batch)
            if not ids:
                return []
            return list(
                s.execute(
                    select(EmailOutbox)
                    .where(col(EmailOutbox.id).in_(ids))
                    .order_by(col(EmailOutbox.id))
                ).scalars()
            )

    def _mine(self, row_id: int) -> ColumnElement[bool]:
        return and_(col(EmailOutbox.id) == row_id, col(EmailOutbox.claimed_by) == self.id)

    def send_batch(self) -> int:
        """Send one claimed batch over one SMTP connection. Returns how many were sent."""
        rows = self.claim_batch()
        if not rows:
            return 0
        sent = 0
        done: set[int] = set()
        try:
            with mailer.smtp(self.settings) as conn:
                for row in rows:
                    msg = mailer.message(
                        self.settings,
                        key=row.idempotency_key,
                        to=row.to_addr,
                        subject=row.subject,
                        body=row.body,
                        user_id=row.user_id,
                        kind=row.kind,
                        reply_to=row.reply_to,
                    )
                    try:
                        conn.send_message(msg)
                    except smtplib.SMTPRecipientsRefused as exc:
                        done.add(row.id)
                        self._failed(row, str(exc), permanent=True)
                        continue
                    # Marked sent the moment the server accepted it: a crash after this line
                    # cannot resend it.
                    with db.write(self.engine, shown=False) as s:
                        s.execute(
                            update(EmailOutbox)
                            .where(self._mine(row.id))
                            .values(
                                status="sent",
                                sent_at=utcnow(),
                                claimed_by=None,
                                claimed_until=None,
                                attempts=row.attempts + 1,
                            )
                        )
                    done.add(row.id)
                    sent += 1
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("SMTP failed: %s", exc)
            for row in rows:
                if row.id not in done:
                    self._failed(row, str(exc))
        return sent

    def _failed(self, row: EmailOutbox, error: str, permanent: bool = False) -> None:
        attempts = row.attempts + 1
        give_up = permanent or attempts >= MAX_ATTEMPTS
        delay = timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
        with db.write(self.engine, shown=False) as s:
            s.execute(
                update(EmailOutbox)
                .where(self._mine(row.id))
                .values(
                    status="failed" if give_up else "pending",
                    attempts=attempts,
                    next_attempt_at=utcnow() + delay,
                    claimed_by=None,
                    claimed_until=None,
                    last_error=error[:500],
                )
            )

    # -- the loop ----------------------------------------------------------------------
    def step(self) -> int:
        """One round of every job; returns how much work was done."""
        self.heartbeat.beat()  # /healthz: when a worker was last seen
        # Scheduled jobs first: the events they write go out in this same round.
        work = jobs.run_scheduled(self)
        while self.fan_out_one():
            work += 1
        while n := self.queue_emails():
            work += n
        work += self.queue_digests()
        work += self.send_batch()
        work += jobs.run_delivery(self)
        return work

    def run(self, *, once: bool = False, poll: float = 1.0) -> None:
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        log.info("worker %s started", self.id)
        while not self.stopping:
            try:
                work = self.step()
            except Exception:
                log.exception("worker step failed")
                work = 0
                time.sleep(poll)
            if once and not work:
                return
            if not work:
                time.sleep(poll)
