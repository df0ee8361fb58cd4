"""What a received message does: a reply becomes its person's comment, a message to
INBOUND_ADDRESS from a confirmed account proposes an idea, and one from anyone else gets an
answer that asks them to sign up. Every other message is logged and dropped.

The same services as on the site do the work (comments.add, ideas.propose), so the same rules
hold: rate limits, hidden ideas, blocked and unconfirmed people, validation, notifications.
The reply address's token decides whose comment it is; the From header is believed for
nothing but must also be that person's address, so a notification forwarded to someone else
cannot be answered in its reader's name.

Each message is recorded in `inbound_message` in the same transaction as its effect, so one
delivered twice, or collected again after a crash, does nothing the second time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from portal.accounts import addresses
from portal.accounts import queries as accounts_q
from portal.accounts.models import User
from portal.comments import services as comments
from portal.core import db
from portal.core.errors import Forbidden, NotFound, Unconfirmed, ValidationError
from portal.core.ratelimit.limits import Counter
from portal.core.ratelimit.windows import RateLimited
from portal.ideas import services as ideas
from portal.inbound.models import InboundMessage
from portal.inbound.parse import Drop, Incoming
from portal.notifications import mailer, replies
from portal.notifications import services as notifications
from portal.settings import Settings
from portal.web.urls import path_for

log = logging.getLogger("portal.inbound")
REFUSED = (Drop, ValidationError, Forbidden, NotFound, Unconfirmed, RateLimited)
Effect = Callable[[Session], tuple[str, int | None]]


def handle(engine: Engine, settings: Settings, counter: Counter, incoming: Incoming) -> list[str]:
    """Do what one message asks, once per portal address it was sent to; the outcome of
    each ("comment", "idea", "invited", "duplicate" or "dropped: <reason>")."""
    if not settings.inbound_address:
        return [_dropped(incoming, "INBOUND_ADDRESS is not set")]
    tagged: list[tuple[str, str]] = []
    plain = ""
    for address in incoming.recipients:
        ours, tag = replies.split_address(settings.inbound_address, address)
        if ours and tag and (address, tag) not in tagged:
            tagged.append((address, tag))
        elif ours and not tag:
            plain = address
    # A reply to all that also reached the plain address is a reply, not a new idea.
    if tagged:
        return [
            _once(
                engine, incoming, address, partial(_reply, engine, settings, counter, incoming, tag)
            )
            for address, tag in tagged[:5]
        ]
    if plain:
        return [
            _once(engine, incoming, plain, partial(_propose, engine, settings, counter, incoming))
        ]
    return [_dropped(incoming, "not addressed to the portal")]


def _key(incoming: Incoming, address: str) -> str:
    return hashlib.sha256(f"{incoming.digest}\n{address}".encode()).hexdigest()


def _seen(engine: Engine, key: str) -> bool:
    with db.read(engine) as s:
        found = s.execute(
            select(col(InboundMessage.id)).where(col(InboundMessage.key) == key)
        ).first()
    return found is not None


def _claim(s: Session, key: str, outcome: str) -> InboundMessage | None:
    """Record the message, or None when it was already recorded (by another delivery that
    committed first: the unique key decides)."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    done = s.execute(
        insert(InboundMessage).values(key=key, outcome=outcome).on_conflict_do_nothing()
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return None
    return s.execute(select(InboundMessage).where(col(InboundMessage.key) == key)).scalar_one()


def _once(
    engine: Engine, incoming: Incoming, address: str, prepare: Callable[[], Effect | str]
) -> str:
    """Unless the message was handled already, `prepare` its effect (checks and rate limits
    that need no write), then run it and record the message in one transaction; a refused
    effect rolls back and the message is recorded as dropped, with why."""
    key = _key(incoming, address)
    if _seen(engine, key):  # a second delivery counts against no limit
        return _dropped(incoming, "duplicate", outcome="duplicate")
    effect = prepare()
    if isinstance(effect, str):  # refused before any write (a rate limit, a bad token)
        return _record_drop(engine, incoming, key, effect)
    try:
        with db.write(engine) as s:
            row = _claim(s, key, "pending")
            if row is None:
                return _dropped(incoming, "duplicate", outcome="duplicate")
            row.outcome, row.ref_id = effect(s)
            s.add(row)
    except REFUSED as exc:
        return _record_drop(engine, incoming, key, _reason(exc))
    log.info("message %s: %s %s", incoming.message_id, row.outcome, row.ref_id or "")
    return row.outcome


def _record_drop(engine: Engine, incoming: Incoming, key: str, reason: str) -> str:
    with db.write(engine, shown=False) as s:
        if _claim(s, key, f"dropped:{reason}"[:32]) is None:
            return _dropped(incoming, "duplicate", outcome="duplicate")
    return _dropped(incoming, reason)


def _dropped(incoming: Incoming, reason: str, outcome: str = "") -> str:
    log.warning("message %s from %s dropped: %s", incoming.message_id, incoming.sender, reason)
    return outcome or f"dropped: {reason}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, Drop):
        return exc.reason
    if isinstance(exc, ValidationError):
        return "invalid " + ",".join(sorted(exc.errors))
    if isinstance(exc, RateLimited):
        return "rate limited"
    return {Forbidden: "not allowed", NotFound: "no such idea", Unconfirmed: "unconfirmed"}.get(
        type(exc), type(exc).__name__
    )


def _reply(
    engine: Engine, settings: Settings, counter: Counter, incoming: Incoming, tag: str
) -> Effect | str:
    """A reply to a notification: the token's person comments on the token's idea."""
    found = replies.read_token(settings.secret_key, tag)
    if found is None:
        return "forged token"
    user_id, idea_id = found
    with db.read(engine) as s:
        user = accounts_q.user_by_id(s, user_id)
    if user is None or user.email != addresses.lookup_form(incoming.sender):
        return "sender is not the token's person"
    try:
        counter.hit("comment", str(user.id))
    except RateLimited:
        return "rate limited"

    def comment(s: Session) -> tuple[str, int | None]:
        actor = s.get(User, user_id)
        if actor is None:
            raise NotFound()
        made = comments.add(db=s, actor=actor, idea_id=idea_id, body=incoming.text, source="email")
        return "comment", made.id

    return comment


def _propose(
    engine: Engine, settings: Settings, counter: Counter, incoming: Incoming
) -> Effect | str:
    """A message to the plain address: a confirmed account's idea, or else an answer that
    asks the sender to sign up (at most a few per address a day, and a few hundred an hour
    in all, so that a forged sender cannot turn the portal into a mail cannon)."""
    with db.read(engine) as s:
        user = accounts_q.user_by_email(s, incoming.sender)
    if user is not None and user.blocked_at is not None:
        return "blocked"
    if user is not None and user.email_confirmed_at is not None:
        try:
            counter.hit("idea", str(user.id))
        except RateLimited:
            return "rate limited"
        return _idea(user.id, incoming)
    try:
        counter.hit("inbound-reply", "all")
        counter.hit("inbound-reply-address", hashlib.sha256(incoming.sender.encode()).hexdigest())
    except RateLimited:
        return "rate limited (answer)"
    return _invitation(settings, user, incoming)


def _idea(user_id: int, incoming: Incoming) -> Effect:
    def propose(s: Session) -> tuple[str, int | None]:
        actor = s.get(User, user_id)
        if actor is None:
            raise NotFound()
        idea = ideas.propose_by_email(db=s, actor=actor, title=incoming.subject, body=incoming.text)
        return "idea", idea.id

    return propose


def _invitation(settings: Settings, user: User | None, incoming: Incoming) -> Effect:
    def answer(s: Session) -> tuple[str, int | None]:
        notifications.queue_email(
            s,
            key=f"inbound:{_key(incoming, incoming.sender)}",
            user_id=user.id if user is not None else None,
            to=incoming.sender,
            template="inbound_invitation",
            context={
                "signup_url": settings.base_url + path_for("accounts:signup"),
                "login_url": settings.base_url + path_for("accounts:login"),
                "new_idea_url": settings.base_url + path_for("ideas:new"),
                "has_account": user is not None,
            },
            locale=user.locale if user is not None else None,
            kind=mailer.AUTO_REPLY,
        )
        return "invited", None

    return answer
