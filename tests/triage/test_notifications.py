"""Assignments and requests for input tell the team's members, in-app and by email as each
prefers, in each one's language, through the outbox and the real SMTP server."""

from __future__ import annotations

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.core import db
from portal.notifications import services as notifications
from portal.notifications.models import Notification
from portal.teams import services as teams_services
from portal.triage import services
from tests import factories as f
from tests.conftest import make_user
from tests.teams import team


def _member(engine, admin, team_id: int, name: str, locale: str = "en") -> User:
    person = make_user(engine, "staff", name=name)
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == person.id).values(locale=locale))
        teams_services.add_member(db=s, actor=admin, team_id=team_id, email=person.email)
    return person


def _notified(engine) -> list[tuple[int, str]]:
    with db.read(engine) as s:
        return sorted(s.execute(select(Notification.user_id, Notification.kind)).all())


def test_assigning_tells_each_member_in_their_language(
    engine, worker, smtp_server, admin, patron, category
):
    lead = team(engine, admin, "Public services")
    en = _member(engine, admin, lead.id, "Erin English")
    zh = _member(engine, admin, lead.id, "Zhang Wei", "zh_Hans")
    quiet = _member(engine, admin, lead.id, "Quinn Quiet")
    with db.write(engine) as s:
        notifications.set_mode(s, quiet.id, "triage", "off")
    idea = f.idea(engine, patron, category, title="Find e-books faster")
    with db.write(engine) as s:
        services.assign(
            db=s, actor=en, idea_id=idea.id, form={"team_id": str(lead.id), "owner_id": str(zh.id)}
        )
    assert smtp_server.messages == []  # nothing is sent from the request
    while worker.step():
        pass
    # The one who assigned is not told; the one who turned email off is told in-app only.
    assert _notified(engine) == [(zh.id, "triage"), (quiet.id, "triage")]
    by_addr = {m["To"]: m for m in smtp_server.messages}
    assert set(by_addr) == {zh.email}
    mail = by_addr[zh.email]
    assert "Find e-books faster" in mail["Subject"]
    assert "负责" in mail["Subject"]
    assert "Public services" in mail.get_content()
    assert f"/ideas/{idea.id}" in mail.get_content()


def test_asking_for_input_tells_the_team_asked(
    engine, worker, smtp_server, staff, admin, patron, category
):
    lead = team(engine, admin, "Public services")
    other = team(engine, admin, "Cataloguing")
    member = _member(engine, admin, other.id, "Cato Cataloguer")
    _member(engine, admin, lead.id, "Lee Lead")
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        services.ask_input(
            db=s,
            actor=staff,
            idea_id=idea.id,
            form={"input_team_id": str(other.id), "message": "Metadata?"},
        )
    while worker.step():
        pass
    assert _notified(engine) == [(member.id, "triage")]
    [mail] = smtp_server.messages
    assert mail["To"] == member.email
    assert mail["Subject"] == f"Your team is asked for input on “{idea.title}”"
    assert "Cataloguing" in mail.get_content()
