"""Writes of draft decisions and the advisory committee's advice: save a draft, share it with
the committee (each member is emailed, in their language), advise on it, publish it.

A draft is its form as staff last saved it, checked as publishing checks it, in a table of its
own: nothing that reads decisions (lists, the feed, the API, search, the scorecard, an idea's
history) can show it, and sharing it notifies nobody but the committee. Publishing goes
through `services.publish`, so it notifies as any decision does."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.accounts import queries as accounts_q
from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.decisions import permissions, queries, services
from portal.decisions.models import STANCES, Advice, Decision, DecisionDraft
from portal.moderation import audit
from portal.notifications import services as notifications

REASON_MAX = 2000
FORM_KEYS = (*services.LIMITS, "outcome", *services.DATES, "ideas", "sessions")
FORM_KEYS += ("move_status", "adopted_status")


def form_of(draft: DecisionDraft) -> tuple[dict[str, str], list[str]]:
    """The draft's form as saved: its values and its chosen teams."""
    saved = json.loads(draft.form or "{}")
    values = {k: str(saved.get(k, "")) for k in FORM_KEYS}
    return values, [str(t) for t in saved.get("teams", [])]


def _open_draft(db: Session, draft_id: int) -> DecisionDraft:
    draft = queries.draft(db, draft_id)
    if draft is None or draft.decision_id is not None:
        raise NotFound()
    return draft


def save(
    *,
    db: Session,
    actor: User,
    form: Mapping[str, str],
    teams: Iterable[str] = (),
    draft_id: int | None = None,
) -> DecisionDraft:
    """Save a new draft, or a draft again, checked as publishing would check it."""
    if not permissions.can_draft(actor):
        raise Forbidden()
    teams = list(teams)
    services.check(db, form, teams)
    draft = DecisionDraft(author_id=actor.id) if draft_id is None else _open_draft(db, draft_id)
    values = {k: (form.get(k) or "") for k in FORM_KEYS}
    draft.form = json.dumps({**values, "teams": teams}, ensure_ascii=False)
    draft.title = " ".join(values["title"].split())[:160]
    draft.updated_at = utcnow()
    db.add(draft)
    db.flush()
    return draft


def share(*, db: Session, actor: User, draft_id: int, base_url: str, path: str) -> bool:
    """Share a draft with the advisory committee: each member whose term has not ended is
    emailed, in their language, with the address of the draft (`path`). Sharing it again
    does nothing (False)."""
    if not permissions.can_draft(actor):
        raise Forbidden()
    draft = _open_draft(db, draft_id)
    if draft.shared_at is not None:
        return False
    draft.shared_at = utcnow()
    db.add(draft)
    for member in accounts_q.committee_members(db):
        if not permissions.can_advise(member) or member.email_confirmed_at is None:
            continue
        notifications.queue_email(
            db,
            key=f"draft-shared:{draft.id}:{member.id}",
            user_id=member.id,
            to=member.email,
            template="draft_shared",
            context={"name": member.display_name, "title": draft.title, "url": base_url + path},
            locale=member.locale,
        )
    audit.record(db, actor, "share_draft", "decision_draft", draft.id, None, {"title": draft.title})
    return True


def publish(
    *, db: Session, actor: User, draft_id: int, form: Mapping[str, str], teams: Iterable[str]
) -> Decision:
    """Publish a draft as it stands in `form`: as any decision is published (notifications
    included); the draft keeps the committee's advice for the decision's page."""
    if not permissions.can_draft(actor):
        raise Forbidden()
    draft = save(db=db, actor=actor, form=form, teams=teams, draft_id=draft_id)
    decision = services.publish(db=db, actor=actor, form=form, teams=form_of(draft)[1])
    draft.decision_id = decision.id
    db.add(draft)
    return decision


def advise(
    *, db: Session, actor: User, draft_id: int, stance: str, reason: str, consent: bool
) -> Advice:
    """A member's advice on a shared draft, replacing any they gave before."""
    if not permissions.can_advise(actor):
        raise Forbidden()
    draft = _open_draft(db, draft_id)
    if draft.shared_at is None:
        raise NotFound()  # a draft not shared is the staff's own: it does not exist to others
    reason = (reason or "").replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if stance not in STANCES:
        errors["stance"] = _("Choose support, concerns or oppose.")
    if not reason:
        errors["reason"] = _("Give the reason for your advice.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("Use at most %(n)s characters here.", n=REASON_MAX)
    elif "\x00" in reason:
        errors["reason"] = _("Remove the invisible control characters from your text.")
    if errors:
        raise ValidationError(errors)
    row = queries.my_advice(db, draft.id, actor.id)
    if row is None:
        row = Advice(draft_id=draft.id, member_id=actor.id, stance=stance, reason=reason)
        try:
            with db.begin_nested():
                db.add(row)
        except IntegrityError:  # given twice at once: keep one answer, the later, below
            row = db.execute(
                select(Advice).where(
                    col(Advice.draft_id) == draft.id, col(Advice.member_id) == actor.id
                )
            ).scalar_one()
    row.stance, row.reason, row.consent, row.updated_at = stance, reason, consent, utcnow()
    db.add(row)
    db.flush()
    return row
