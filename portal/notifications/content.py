"""What an email or notification says about an event: looked up once per event, through
each domain's queries. An idea is carried as a `Named` and named per reader by the template
(`idea_title(idea, user)`): an idea hidden by the moderators is named only to staff and to its
author, in emails as on pages."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from portal.comments import queries as comments_q
from portal.decisions import queries as decisions_q
from portal.ideas import queries as ideas_q
from portal.notifications.models import Event
from portal.web.urls import path_for
from portal.workshops import queries as workshops_q


def for_event(db: Session, event: Event, base_url: str) -> dict:
    """The facts an email about `event` needs (titles, links, excerpts); links are whole
    addresses, `base_url` and a route's path."""
    ctx: dict = {"kind": event.kind, "detail": event.detail}
    if event.idea_id:
        idea = ideas_q.get(db, event.idea_id)
        if idea is not None:
            ctx.update(
                idea=ideas_q.Named.of(idea),
                url=base_url + path_for("ideas:detail", id=idea.id),
                status=idea.status,
            )
    comment = comments_q.get(db, event.comment_id) if event.comment_id else None
    if event.kind == "comment" and comment is not None:
        ctx.update(
            excerpt=comment.body[:400],
            url=base_url + path_for("comments:show", id=comment.id),
        )
    if event.kind == "status":
        ctx["response"] = event.detail
    if event.kind == "decision" and event.decision_id:
        decision = decisions_q.get(db, event.decision_id)
        if decision is not None:
            ctx.update(
                decision_title=decision.title,
                outcome=decision.outcome,
                we_did=decision.we_did[:600],
                url=base_url + path_for("decisions:detail", id=decision.id),
            )
    if event.workshop_id:
        ctx.update(workshops_q.email_context(db, event.workshop_id, base_url, event.user_id))
        if event.kind == "released":  # (in a digest) its reader no longer sees the session
            ctx["url"] = ctx.get("sessions_url", base_url + path_for("workshops:index"))
        if event.kind == "outputs" and comment is not None:  # a comment on the outputs
            ctx.update(
                excerpt="" if comment.hidden_at or comment.deleted_at else comment.body[:400],
                commented=True,
                url=base_url + path_for("comments:show", id=comment.id),
            )
    return ctx


def for_events(db: Session, events: list[Event], reader: Any) -> dict[int, dict]:
    """Titles and links for `reader`'s page of in-app notifications, in a fixed number of
    queries."""
    idea_titles = ideas_q.titles(db, {e.idea_id for e in events if e.idea_id}, reader)
    decision_titles = decisions_q.titles(db, {e.decision_id for e in events if e.decision_id})
    out: dict[int, dict] = {}
    for e in events:
        if e.kind == "decision" and e.decision_id:
            out[e.id] = {
                "title": decision_titles.get(e.decision_id, ""),
                "url": path_for("decisions:detail", id=e.decision_id),
            }
        elif e.idea_id:
            out[e.id] = {
                "title": idea_titles.get(e.idea_id, ""),
                # A comment's own address leads to the page of threads that shows it.
                "url": path_for("comments:show", id=e.comment_id)
                if e.comment_id
                else path_for("ideas:detail", id=e.idea_id, fragment="history"),
            }
        elif e.kind == "released":  # a committee session its reader no longer sees
            out[e.id] = {"title": e.detail, "url": path_for("workshops:index")}
        elif e.workshop_id:
            out[e.id] = {
                "title": e.detail,
                "url": path_for("comments:show", id=e.comment_id)
                if e.comment_id
                else path_for("workshops:detail", id=e.workshop_id),
            }
        else:
            out[e.id] = {"title": e.detail, "url": path_for("notifications:index")}
    return out
