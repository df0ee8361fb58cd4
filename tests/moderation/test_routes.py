"""Moderation over HTTP: reporting from the idea page, the staff queue on /staff, hiding,
restoring and dismissing (and what authors, other people and visitors then see), blocking and
unblocking at /staff/users, role changes, and the audit log that only admins read and that no
address can change."""

from __future__ import annotations

import html
import re

import pytest
from starlette.routing import Route

from portal.accounts.models import User
from portal.comments.models import Comment
from portal.ideas.models import Idea
from portal.moderation.models import AuditEntry
from portal.web.routing import every_route
from tests import factories as f
from tests.conftest import PASSWORD, Client, login_as, make_user
from tests.moderation import every_row, flags, hide, only_entry, report, sessions_of, state

TITLE = "Open the library until ten"
BODY = "Shift workers could study after their day at work."
COMMENT = "Evenings are when I can come."
REASON = "Advertising a private business"


@pytest.fixture
def idea(engine, patron, category):
    return f.idea(engine, patron, category, title=TITLE, body=BODY)


@pytest.fixture
def comment(engine, patron, idea):
    return f.comment(engine, patron, idea.id, body=COMMENT)


@pytest.fixture
def second(app):
    """A second browser, for a second person signed in at the same time."""
    with Client(app, base_url="http://testserver") as c:
        yield c


def signed_in_as(client: Client) -> bool:
    return client.get("/account", follow_redirects=False).status_code == 200


def reports_section(page: str) -> str:
    return page.split('id="reports"', 1)[1].split("</section>", 1)[0]


def error_messages(page: str) -> list[str]:
    found = re.search(r'class="error-summary".*?</ul>', page, re.S)
    assert found, "no error summary on the page"
    return [html.unescape(m) for m in re.findall(r'<a href="#[^"]*">([^<]+)</a>', found.group(0))]


def act(client: Client, verb: str, target_type: str, target_id: int, **extra: str):  # noqa: ANN201
    return client.post(
        f"/staff/moderation/{verb}",
        {"target_type": target_type, "target_id": str(target_id), **extra},
    )


def listed(client: Client, idea_id: int) -> dict[str, bool]:
    """Where an idea shows for this browser: the list, search, home, the API list."""
    api = client.get("/api/v1/ideas").json()["data"]
    return {
        "ideas": f'href="/ideas/{idea_id}"' in client.get("/ideas").text,
        "search": f'href="/ideas/{idea_id}"' in client.get("/ideas?q=library").text,
        "home": TITLE in client.get("/").text,
        "api": any(i["id"] == idea_id for i in api),
    }


# -- reporting -------------------------------------------------------------------------------


def test_report_disclosure_is_on_ideas_and_comments_for_people_signed_in(
    client, other_patron, idea, comment
):
    page = client.get(f"/ideas/{idea.id}").text
    assert 'action="/report"' not in page
    login_as(client, other_patron)
    page = client.get(f"/ideas/{idea.id}").text
    assert page.count('action="/report"') == 2
    assert 'name="target_type" value="idea"' in page
    assert f'name="target_id" value="{comment.id}"' in page
    assert 'Report<span class="visually-hidden"> this comment</span>' in page
    assert 'action="/staff/moderation/hide"' not in page


def test_report_an_idea_stores_it_and_goes_back_with_thanks(client, engine, other_patron, idea):
    login_as(client, other_patron)
    response = client.post(
        "/report",
        {
            "target_type": "idea",
            "target_id": str(idea.id),
            "reason": "Not about the library",
            "next": f"/ideas/{idea.id}#idea-title",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea.id}#idea-title"
    [row] = flags(engine)
    assert (row.target_type, row.target_id, row.user_id) == ("idea", idea.id, other_patron.id)
    assert row.reason == "Not about the library"
    assert (
        "Thank you. The moderators will look at your report."
        in client.get(f"/ideas/{idea.id}").text
    )


def test_report_a_comment_stores_it(client, engine, other_patron, comment):
    login_as(client, other_patron)
    response = client.post(
        "/report", {"target_type": "comment", "target_id": str(comment.id), "reason": "Rude"}
    )
    assert response.status_code == 303
    assert [(r.target_type, r.target_id) for r in flags(engine)] == [("comment", comment.id)]


def test_report_twice_is_a_no_op(client, engine, other_patron, idea):
    login_as(client, other_patron)
    data = {"target_type": "idea", "target_id": str(idea.id), "reason": "Spam"}
    assert client.post("/report", data).status_code == 303
    assert client.post("/report", {**data, "reason": "Spam!"}).status_code == 303
    assert [r.reason for r in flags(engine)] == ["Spam"]


def test_report_without_a_reason_shows_the_problem_and_stores_nothing(
    client, engine, other_patron, idea
):
    login_as(client, other_patron)
    response = client.post(
        "/report",
        {"target_type": "idea", "target_id": str(idea.id), "reason": "  ", "next": "/ideas/1"},
    )
    assert response.status_code == 400
    assert error_messages(response.text) == ["Say briefly what is wrong."]
    assert 'href="/ideas/1"' in response.text
    assert flags(engine) == []


def test_report_from_a_visitor_sends_them_to_sign_in(client, engine, idea):
    response = client.post(
        "/report", {"target_type": "idea", "target_id": str(idea.id), "reason": "Spam"}
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert flags(engine) == []


@pytest.mark.parametrize(
    ("target_type", "target_id"),
    [("idea", "999"), ("comment", "999"), ("user", "1"), ("idea", "x"), ("", "")],
)
def test_report_of_something_that_does_not_exist_is_404(
    client, engine, other_patron, idea, target_type, target_id
):
    login_as(client, other_patron)
    response = client.post(
        "/report", {"target_type": target_type, "target_id": target_id, "reason": "Spam"}
    )
    assert response.status_code == 404
    assert flags(engine) == []


# -- the staff queue, hide, restore, dismiss --------------------------------------------------


def test_staff_desk_lists_reports_to_review_with_their_reasons(
    client, engine, staff, other_patron, committee, idea, comment
):
    login_as(client, staff)
    assert "No reports to review." in reports_section(client.get("/staff").text)
    report(engine, other_patron, "comment", comment.id, "Rude to a librarian")
    report(engine, committee, "comment", comment.id, "Off topic")
    section = reports_section(client.get("/staff").text)
    assert "Reports to review" in client.get("/staff").text
    assert "2 reports: Rude to a librarian; Off topic" in section
    assert COMMENT in section
    assert f'href="/comments/{comment.id}"' in section
    assert 'action="/staff/moderation/hide"' in section
    assert 'action="/staff/moderation/dismiss"' in section


def test_hidden_idea_shows_the_author_why_and_others_a_placeholder(
    app, client, second, engine, patron, other_patron, staff, idea
):
    report(engine, other_patron, "idea", idea.id, "Spam")
    login_as(client, staff)
    response = act(client, "hide", "idea", idea.id, reason=REASON)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff#reports"
    desk = client.get("/staff").text
    assert "It is hidden. Its author sees the reason." in desk
    assert "No reports to review." in reports_section(desk)

    staff_view = client.get(f"/ideas/{idea.id}").text
    assert f"Hidden from everyone but its author and staff. Reason: {REASON}" in staff_view
    assert BODY in staff_view
    assert 'action="/staff/moderation/restore"' in staff_view

    login_as(second, patron)
    author_view = second.get(f"/ideas/{idea.id}").text
    assert f"Hidden by moderators: {REASON}" in author_view
    assert BODY in author_view and TITLE in author_view

    login_as(second, other_patron)
    for view in (second.get(f"/ideas/{idea.id}"), Client(app).get(f"/ideas/{idea.id}")):
        assert view.status_code == 200
        assert "This idea was hidden by the moderators." in view.text
        assert TITLE not in view.text and BODY not in view.text
        assert REASON not in view.text


def test_hidden_idea_leaves_the_list_search_home_and_api_until_restored(
    client, second, engine, patron, staff, idea
):
    # A status change and a comment put the idea in the home page's activity too.
    f.comment(engine, patron, idea.id, body="More detail")
    login_as(client, staff)
    client.post(f"/ideas/{idea.id}/status", {"status": "planned", "response": "Soon"})
    assert listed(second, idea.id) == {"ideas": True, "search": True, "home": True, "api": True}
    assert second.get(f"/api/v1/ideas/{idea.id}").status_code == 200

    assert act(client, "hide", "idea", idea.id, reason=REASON).status_code == 303
    assert listed(second, idea.id) == {
        "ideas": False,
        "search": False,
        "home": False,
        "api": False,
    }
    assert second.get(f"/api/v1/ideas/{idea.id}").status_code == 404

    response = act(client, "restore", "idea", idea.id, next=f"/ideas/{idea.id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea.id}"
    assert "It is shown again." in client.get(f"/ideas/{idea.id}").text
    assert listed(second, idea.id) == {"ideas": True, "search": True, "home": True, "api": True}
    page = second.get(f"/ideas/{idea.id}").text
    assert BODY in page and "hidden by the moderators" not in page


def test_hidden_comment_shows_the_author_why_and_others_a_placeholder(
    app, client, second, engine, patron, other_patron, staff, idea, comment
):
    report(engine, other_patron, "comment", comment.id, "Rude")
    login_as(client, staff)
    assert act(client, "hide", "comment", comment.id, reason=REASON).status_code == 303
    assert f.get(engine, Comment, comment.id).hidden_reason == REASON

    login_as(second, patron)
    author_view = second.get(f"/ideas/{idea.id}").text
    assert f"Hidden by moderators: {REASON}" in author_view and COMMENT in author_view

    login_as(second, other_patron)
    for view in (second.get(f"/ideas/{idea.id}").text, Client(app).get(f"/ideas/{idea.id}").text):
        assert "This comment was hidden by the moderators." in view
        assert COMMENT not in view and REASON not in view
        assert TITLE in view  # only the comment is hidden
    assert COMMENT not in Client(app).get("/").text

    assert act(client, "restore", "comment", comment.id).status_code == 303
    assert COMMENT in Client(app).get(f"/ideas/{idea.id}").text
    assert COMMENT in Client(app).get("/").text


def test_hide_reason_is_shown_as_text_not_markup(client, second, engine, patron, staff, idea):
    login_as(client, staff)
    act(client, "hide", "idea", idea.id, reason='<script>alert("x")</script>')
    login_as(second, patron)
    page = second.get(f"/ideas/{idea.id}").text
    assert "<script>alert" not in page
    assert "Hidden by moderators: &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_hide_without_a_reason_shows_the_problem_and_hides_nothing(
    client, engine, staff, other_patron, idea
):
    report(engine, other_patron, "idea", idea.id, "Spam")
    login_as(client, staff)
    response = act(client, "hide", "idea", idea.id, reason="")
    assert response.status_code == 400
    assert error_messages(response.text) == ["Say briefly what is wrong."]
    assert f.get(engine, Idea, idea.id).hidden_at is None
    assert flags(engine)[0].resolved_at is None


def test_dismiss_takes_the_reports_off_the_queue_and_keeps_the_content(
    client, engine, staff, other_patron, idea, comment
):
    report(engine, other_patron, "idea", idea.id, "Spam")
    report(engine, other_patron, "comment", comment.id, "Rude")
    login_as(client, staff)
    assert act(client, "dismiss", "comment", comment.id).status_code == 303
    desk = client.get("/staff").text
    assert "The reports are dismissed." in desk
    section = reports_section(desk)
    assert "1 report: Spam" in section and "Rude" not in section
    assert [r.resolution for r in flags(engine, "comment", comment.id)] == ["dismissed"]
    assert f.get(engine, Comment, comment.id).hidden_at is None
    assert COMMENT in client.get(f"/ideas/{idea.id}").text


def test_unknown_moderation_action_is_404(client, engine, staff, idea):
    login_as(client, staff)
    before = every_row(engine)
    assert act(client, "delete", "idea", idea.id, reason="x").status_code == 404
    assert act(client, "hide", "idea", 999, reason="x").status_code == 404
    assert every_row(engine) == before


@pytest.mark.parametrize("who", ["patron", "other_patron", "committee"])
@pytest.mark.parametrize("verb", ["hide", "restore", "dismiss"])
def test_moderation_by_someone_not_on_staff_is_403_and_changes_nothing(
    request, client, engine, staff, other_patron, idea, comment, verb, who
):
    report(engine, other_patron, "comment", comment.id, "Rude")
    if verb == "restore":
        hide(engine, staff, "comment", comment.id, "Rude")
    login_as(client, request.getfixturevalue(who))
    before = every_row(engine)
    response = act(client, verb, "comment", comment.id, reason="I say so")
    assert response.status_code == 403
    assert every_row(engine) == before


@pytest.mark.parametrize("verb", ["hide", "restore", "dismiss"])
def test_moderation_by_a_visitor_sends_them_to_sign_in(client, engine, idea, verb):
    before = every_row(engine)
    response = act(client, verb, "idea", idea.id, reason="x")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert every_row(engine) == before


# -- blocking --------------------------------------------------------------------------------


def block(client: Client, user_id: int, reason: str = "Spam, again and again"):  # noqa: ANN201
    return client.post(f"/staff/users/{user_id}", {"action": "block", "reason": reason})


def test_block_ends_the_persons_session_at_once_and_stops_sign_in(
    client, second, engine, staff, patron
):
    login_as(second, patron)
    assert signed_in_as(second)
    login_as(client, staff)
    response = block(client, patron.id)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/users"
    assert "the change applies at once" in client.get("/staff/users").text
    assert f.get(engine, User, patron.id).blocked_at is not None
    assert sessions_of(engine, patron.id) == 0
    assert not signed_in_as(second)
    assert 'href="/login' in second.get("/").text

    refused = second.post("/login", {"email": patron.email, "password": PASSWORD})
    assert refused.status_code == 400
    assert "blocked" in refused.text
    assert sessions_of(engine, patron.id) == 0

    entry = only_entry(engine, "block")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (staff.id, "user", patron.id)
    assert state(entry.after)["reason"] == "Spam, again and again"


def test_unblock_restores_sign_in(client, second, engine, staff, patron):
    login_as(client, staff)
    block(client, patron.id)
    page = client.get("/staff/users").text
    assert f"Unblock {patron.display_name}" in page and "Blocked" in page
    response = client.post(f"/staff/users/{patron.id}", {"action": "unblock"})
    assert response.status_code == 303
    assert f.get(engine, User, patron.id).blocked_at is None
    login_as(second, patron)
    assert signed_in_as(second)
    assert state(only_entry(engine, "unblock").after)["blocked_at"] is None


@pytest.mark.parametrize("action", ["", "delete", "Unblock"])
def test_person_action_that_is_not_known_is_404_and_does_not_unblock(
    client, engine, staff, patron, action
):
    login_as(client, staff)
    block(client, patron.id)
    before = every_row(engine)
    response = client.post(f"/staff/users/{patron.id}", {"action": action})
    assert response.status_code == 404
    assert every_row(engine) == before
    assert f.get(engine, User, patron.id).blocked_at is not None


def test_block_without_a_reason_shows_the_problem(client, engine, staff, patron):
    login_as(client, staff)
    response = block(client, patron.id, reason=" ")
    assert response.status_code == 400
    assert error_messages(response.text) == ["Say briefly what is wrong."]
    assert f.get(engine, User, patron.id).blocked_at is None


@pytest.mark.parametrize("person", ["self", "other_staff", "admin"])
def test_staff_cannot_block_staff_admins_or_themselves(client, engine, staff, admin, person):
    target = {"self": staff, "admin": admin, "other_staff": make_user(engine, "staff")}[person]
    login_as(client, staff)
    before = every_row(engine)
    assert block(client, target.id).status_code == 403
    assert client.post(f"/staff/users/{target.id}", {"action": "unblock"}).status_code == 403
    assert every_row(engine) == before


def test_admin_blocks_staff_but_not_admins_or_themselves(client, second, engine, admin, staff):
    login_as(second, staff)
    other_admin = make_user(engine, "admin")
    login_as(client, admin)
    assert block(client, admin.id).status_code == 403
    assert block(client, other_admin.id).status_code == 403
    assert block(client, staff.id).status_code == 303
    assert f.get(engine, User, staff.id).blocked_at is not None
    assert not signed_in_as(second)


@pytest.mark.parametrize("who", ["patron", "committee"])
def test_people_pages_are_staff_only(request, client, engine, other_patron, who):
    login_as(client, request.getfixturevalue(who))
    before = every_row(engine)
    assert client.get("/staff/users").status_code == 403
    assert block(client, other_patron.id).status_code == 403
    assert every_row(engine) == before


def test_block_of_someone_who_does_not_exist_is_404(client, staff):
    login_as(client, staff)
    assert block(client, 999).status_code == 404


def test_people_page_for_staff_offers_blocking_but_no_roles(client, engine, staff, admin, patron):
    other_staff = make_user(engine, "staff", name="Stan Staff")
    login_as(client, staff)
    page = client.get("/staff/users").text
    assert f"Reason for blocking {patron.display_name}" in page
    assert f"Reason for blocking {admin.display_name}" not in page
    assert f"Reason for blocking {other_staff.display_name}" not in page
    assert f"Reason for blocking {staff.display_name}" not in page
    assert 'name="role"' not in page and "Save role" not in page
    found = client.get("/staff/users?q=PAT%20READ").text
    assert patron.email in found and admin.email not in found


def test_people_page_for_admins_offers_roles(client, admin, patron):
    login_as(client, admin)
    page = client.get("/staff/users").text
    assert f"Role of {patron.display_name}" in page and "Save role" in page
    assert f"Role of {admin.display_name}" not in page


def test_admin_changes_a_role_and_the_persons_sessions_end(client, second, engine, admin, patron):
    login_as(second, patron)
    login_as(client, admin)
    response = client.post(f"/staff/users/{patron.id}", {"action": "role", "role": "staff"})
    assert response.status_code == 303
    assert f.get(engine, User, patron.id).role == "staff"
    assert not signed_in_as(second)
    login_as(second, patron)
    assert second.get("/staff").status_code == 200
    entry = only_entry(engine, "set_role")
    assert (state(entry.before), state(entry.after)) == ({"role": "patron"}, {"role": "staff"})


def test_staff_cannot_change_roles(client, second, engine, staff, patron):
    login_as(second, patron)
    login_as(client, staff)
    before = every_row(engine)
    response = client.post(f"/staff/users/{patron.id}", {"action": "role", "role": "admin"})
    assert response.status_code == 403
    assert every_row(engine) == before
    assert signed_in_as(second)
    own = client.post(f"/staff/users/{staff.id}", {"action": "role", "role": "admin"})
    assert own.status_code == 403
    assert f.get(engine, User, staff.id).role == "staff"


# -- the audit log ---------------------------------------------------------------------------


def test_audit_log_shows_admins_every_staff_action_newest_first(
    client, engine, staff, admin, patron, other_patron, idea, comment
):
    login_as(client, staff)
    act(client, "hide", "comment", comment.id, reason=REASON)
    act(client, "restore", "comment", comment.id)
    report(engine, other_patron, "idea", idea.id, "Spam")
    act(client, "dismiss", "idea", idea.id)
    block(client, other_patron.id)
    client.post(f"/staff/users/{other_patron.id}", {"action": "unblock"})
    login_as(client, admin)
    client.post(f"/staff/users/{patron.id}", {"action": "role", "role": "committee"})
    response = client.get("/staff/audit")
    assert response.status_code == 200
    rows = re.findall(r"<tr><td><time.*?</tr>", response.text, re.S)
    what = [html.unescape(re.findall(r"<td>(.*?)</td>", r)[2]) for r in rows]
    assert what == [
        f"set_role user #{patron.id}",
        f"unblock user #{other_patron.id}",
        f"block user #{other_patron.id}",
        f"dismiss_flags idea #{idea.id}",
        f"restore comment #{comment.id}",
        f"hide comment #{comment.id}",
    ]
    assert "Sam Staff" in rows[-1] and "Ada Admin" in rows[0]
    assert html.escape(REASON) in rows[-1]


def test_audit_log_is_empty_at_first(client, admin):
    login_as(client, admin)
    assert "Nothing has been done yet." in client.get("/staff/audit").text


@pytest.mark.parametrize("who", ["staff", "committee", "patron"])
def test_audit_log_is_for_admins_only(request, client, engine, admin, idea, who):
    hide(engine, admin, "idea", idea.id, REASON)
    login_as(client, request.getfixturevalue(who))
    response = client.get("/staff/audit")
    assert response.status_code == 403
    assert REASON not in response.text


def test_audit_log_sends_visitors_to_sign_in(client):
    response = client.get("/staff/audit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff/audit"


def _mentions_audit(route: Route) -> bool:
    endpoint = getattr(route, "endpoint", None)
    names = [route.path, route.name or "", getattr(endpoint, "__name__", "")]
    return any("audit" in n.lower() for n in names)


def test_no_address_but_reading_the_log_touches_the_audit_log(app):
    routes = [r for r in every_route(app.routes) if isinstance(r, Route)]
    assert len(routes) > 20
    touching = [(r.path, sorted(r.methods or ())) for r in routes if _mentions_audit(r)]
    assert touching == [("/staff/audit", ["GET", "HEAD"])]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_audit_log_cannot_be_changed_over_http(client, engine, admin, idea, method):
    hide(engine, admin, "idea", idea.id, REASON)
    login_as(client, admin)
    token = client.csrf_token()
    before = every_row(engine)
    for path in ("/staff/audit", "/staff/audit?id=1"):
        response = client.request(
            method,
            path,
            data={"csrf_token": token, "id": "1", "action": "delete"},
            headers={"X-CSRF-Token": token},
            follow_redirects=False,
        )
        assert response.status_code == 405, (method, path)
    assert every_row(engine) == before
    assert f.count(engine, AuditEntry) == 1
