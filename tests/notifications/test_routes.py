"""Notifications over HTTP: the in-app list, the unread count in the header, marking read,
and the email settings page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.core import db
from portal.ideas import services as ideas
from portal.notifications.models import KINDS, Notification, Preference, kinds_for
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import publish


def unread_badge(page: str) -> int:
    """The unread count shown beside "Notifications" in the header (0 when none is shown)."""
    nav = page.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    found = re.search(
        r'href="/notifications"[^>]*>Notifications <span class="count">(\d+)</span>', nav
    )
    return int(found.group(1)) if found else 0


def notes_of(engine, user) -> list[Notification]:
    with db.read(engine) as s:
        return list(
            s.execute(
                select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            ).scalars()
        )


def preferences_of(engine, user) -> dict[str, str]:
    with db.read(engine) as s:
        return dict(
            s.execute(
                select(Preference.kind, Preference.mode).where(Preference.user_id == user.id)
            ).all()
        )


@pytest.fixture
def three_notes(engine, worker, patron, other_patron, staff, category):
    """The patron has three notifications: a comment, a status change and a decision."""
    idea = f.idea(engine, patron, category, title="Open later")
    f.comment(engine, other_patron, idea.id, "Yes please.")
    with db.write(engine) as s:
        ideas.change_status(db=s, actor=staff, idea_id=idea.id, status="under_review")
    decision = publish(engine, staff, [idea.id], title="Evening hours")
    worker.step()
    return idea, decision


def test_notifications_list_shows_each_event_newest_first(client, patron, three_notes):
    idea, decision = three_notes
    login_as(client, patron)
    response = client.get("/notifications")
    assert response.status_code == 200
    page = response.text
    decision_at = page.index("Decision published: “Evening hours”")
    status_at = page.index("“Open later” has a new status")
    comment_at = page.index("New comment on “Open later”")
    assert decision_at < status_at < comment_at
    assert page.count('<span class="badge unread">Unread</span>') == 3
    assert f'name="next" value="/you-said-we-did/{decision.id}"' in page
    assert f'name="next" value="/ideas/{idea.id}#history"' in page
    assert re.search(r'name="next" value="/comments/\d+"', page)


def test_notifications_list_when_empty_says_what_to_do(client, patron):
    login_as(client, patron)
    page = client.get("/notifications").text
    assert "Nothing new." in page
    assert unread_badge(page) == 0


def test_notifications_need_sign_in(client):
    response = client.get("/notifications", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/notifications"


def test_header_shows_the_unread_count(client, patron, other_patron, three_notes):
    login_as(client, patron)
    assert unread_badge(client.get("/ideas").text) == 3
    client.post("/logout")
    login_as(client, other_patron)  # the commenter follows: told of the status and decision
    assert unread_badge(client.get("/ideas").text) == 2


def test_mark_one_notification_read(client, engine, patron, three_notes):
    _idea, decision = three_notes
    login_as(client, patron)
    target = notes_of(engine, patron)[-1]
    response = client.post(
        f"/notifications/{target.id}/read", {"next": f"/you-said-we-did/{decision.id}"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/you-said-we-did/{decision.id}"
    read = {n.id: n.read_at is not None for n in notes_of(engine, patron)}
    assert read[target.id] is True
    assert sum(read.values()) == 1
    assert unread_badge(client.get("/notifications").text) == 2


def test_mark_read_never_redirects_off_site(client, engine, patron, three_notes):
    login_as(client, patron)
    target = notes_of(engine, patron)[0]
    response = client.post(f"/notifications/{target.id}/read", {"next": "https://evil.example/"})
    assert response.headers["location"] == "/notifications"


def test_mark_read_of_someone_elses_notification_is_404(
    client, engine, patron, other_patron, three_notes
):
    login_as(client, other_patron)
    theirs = notes_of(engine, patron)[0]
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert all(n.read_at is None for n in notes_of(engine, patron))
    assert all(n.read_at is None for n in notes_of(engine, other_patron))


def test_mark_all_read(client, engine, patron, other_patron, three_notes):
    login_as(client, patron)
    response = client.post("/notifications/read-all")
    assert response.status_code == 303 and response.headers["location"] == "/notifications"
    assert all(n.read_at is not None for n in notes_of(engine, patron))
    assert all(n.read_at is None for n in notes_of(engine, other_patron))
    page = client.get("/notifications").text
    assert unread_badge(page) == 0
    assert "All notifications are marked as read." in page
    assert 'class="badge unread"' not in page


def test_mark_read_needs_the_csrf_token(client, engine, patron, three_notes):
    login_as(client, patron)
    target = notes_of(engine, patron)[0]
    assert client.post(f"/notifications/{target.id}/read", csrf=False).status_code == 403
    assert client.post("/notifications/read-all", csrf=False).status_code == 403
    assert all(n.read_at is None for n in notes_of(engine, patron))


# -- email settings -------------------------------------------------------------------------


PATRON_KINDS = kinds_for(is_staff=False)


def test_settings_offer_staff_kinds_to_staff_alone(client, patron, staff):
    login_as(client, patron)
    assert 'name="mode-triage"' not in client.get("/notifications/settings").text
    login_as(client, staff)
    assert (
        'name="mode-triage" value="immediate" checked' in client.get("/notifications/settings").text
    )


def test_settings_page_shows_immediate_by_default(client, patron):
    login_as(client, patron)
    page = client.get("/notifications/settings").text
    for kind in PATRON_KINDS:
        assert f'name="mode-{kind}" value="immediate" checked' in page
    assert "Decisions on ideas I took part in" in page and "Once a day, in a digest" in page


def test_settings_are_saved_and_shown(client, engine, patron):
    login_as(client, patron)
    chosen = {
        "comment": "off",
        "status": "digest",
        "decision": "immediate",
        "waitlist": "immediate",
        "reminder": "off",
        "cancelled": "digest",
        "released": "off",
        "survey": "digest",
        "outputs": "off",
    }
    response = client.post("/notifications/settings", {f"mode-{k}": v for k, v in chosen.items()})
    assert response.status_code == 303
    assert response.headers["location"] == "/notifications/settings"
    assert preferences_of(engine, patron) == chosen
    page = client.get("/notifications/settings").text
    assert "Your email settings are saved." in page
    for kind, mode in chosen.items():
        assert f'name="mode-{kind}" value="{mode}" checked' in page
    # Changing them again updates the same rows.
    client.post("/notifications/settings", {f"mode-{k}": "digest" for k in PATRON_KINDS})
    assert preferences_of(engine, patron) == dict.fromkeys(PATRON_KINDS, "digest")
    assert f.count(engine, Preference) == len(PATRON_KINDS)


@pytest.mark.parametrize("bad", ["weekly", "", "IMMEDIATE"])
def test_settings_with_a_bad_value_are_refused_and_nothing_is_stored(client, engine, patron, bad):
    login_as(client, patron)
    data = {f"mode-{k}": "off" for k in KINDS}
    data["mode-status"] = bad
    response = client.post("/notifications/settings", data)
    assert response.status_code == 400
    assert "Choose how to hear about this." in response.text
    assert 'href="#mode-status"' in response.text
    assert f.count(engine, Preference) == 0


def test_settings_need_sign_in(client, engine):
    response = client.get("/notifications/settings", follow_redirects=False)
    assert response.status_code == 303
    response = client.post("/notifications/settings", {f"mode-{k}": "off" for k in KINDS})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert f.count(engine, Preference) == 0


def test_settings_off_stop_email_but_not_the_in_app_list(
    client, engine, worker, smtp_server, patron, other_patron, category
):
    idea = f.idea(engine, patron, category, title="Open later")
    login_as(client, patron)
    client.post(
        "/notifications/settings",
        {f"mode-{k}": ("off" if k == "comment" else "immediate") for k in KINDS},
    )
    f.comment(engine, other_patron, idea.id)
    worker.step()
    assert smtp_server.messages == []
    assert "New comment on “Open later”" in client.get("/notifications").text
