"""Error pages: 404, 403, 405 and 500 in the site's layout with a clear heading, and visitors
sent to sign in (and back) instead of an error."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from starlette.routing import Route

from portal.app import create_app
from portal.core import db
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from tests.conftest import PASSWORD, Client, login_as

SKIP_LINK = "Skip to main content"


def _heading(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


def _in_layout(html: str) -> bool:
    return (
        html.lstrip().startswith("<!doctype html>")
        and SKIP_LINK in html
        and '<main id="main"' in html
        and html.count("<h1>") == 1
    )


@pytest.fixture
def idea_id(engine, category, patron) -> int:
    with db.write(engine) as s:
        return ideas.propose(
            db=s, actor=patron, title="More quiet rooms", body="Please", category_id=category.id
        ).id


@pytest.fixture
def failing_client(settings):
    """A fresh app with one route that raises."""
    application = create_app(settings)

    async def boom(request):
        raise RuntimeError("kaboom: secret internal detail")

    application.router.routes.append(Route("/boom", boom))
    with Client(application, base_url="http://testserver", raise_server_exceptions=False) as c:
        yield c
    application.state.engine.dispose()


def test_error_unknown_address_is_a_404_page_in_the_layout(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert _in_layout(response.text)
    assert _heading(response.text) == "Page not found"
    assert 'href="/ideas"' in response.text  # a way on


def test_error_unknown_idea_is_404(client, patron, idea_id):
    response = client.get(f"/ideas/{idea_id + 1000}")
    assert response.status_code == 404
    assert _heading(response.text) == "Page not found"
    login_as(client, patron)
    assert client.get(f"/ideas/{idea_id + 1000}/edit").status_code == 404
    assert client.post(f"/ideas/{idea_id + 1000}/vote", {"action": "add"}).status_code == 404
    assert client.post(f"/ideas/{idea_id + 1000}/comments", {"body": "Hi"}).status_code == 404


def test_error_patron_changing_a_status_gets_403_and_nothing_changes(
    client, engine, patron, idea_id
):
    login_as(client, patron)
    response = client.post(
        f"/ideas/{idea_id}/status", {"status": "planned", "response": "Sure, we will"}
    )
    assert response.status_code == 403
    assert _in_layout(response.text)
    assert _heading(response.text) == "Not allowed"
    with db.read(engine) as s:
        assert ideas_q.get(s, idea_id).status == "new"
        assert ideas_q.history(s, idea_id) == []


def test_error_patron_editing_someone_elses_idea_gets_403(client, other_patron, idea_id):
    login_as(client, other_patron)
    assert client.get(f"/ideas/{idea_id}/edit").status_code == 403
    response = client.post(
        f"/ideas/{idea_id}/edit", {"title": "Hijacked", "body": "x", "category_id": "1"}
    )
    assert response.status_code == 403
    assert "Hijacked" not in client.get(f"/ideas/{idea_id}").text


def test_error_405_page_in_the_layout(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert _in_layout(response.text)


def test_error_csrf_failure_explains_itself(client):
    response = client.post("/logout", csrf=False)
    assert response.status_code == 403
    assert _in_layout(response.text)
    assert _heading(response.text) == "This form has expired"
    assert "reload the page" in response.text


def test_error_500_page_is_in_the_layout_and_hides_the_detail(failing_client, caplog):
    response = failing_client.get("/boom")
    assert response.status_code == 500
    assert _in_layout(response.text)
    assert _heading(response.text) == "Something went wrong"
    assert "kaboom" not in response.text and "Traceback" not in response.text
    assert any("kaboom" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_error_500_for_a_signed_in_person_still_renders(failing_client, patron):
    login_as(failing_client, patron)
    response = failing_client.get("/boom")
    assert response.status_code == 500
    assert "Pat Reader" in response.text  # the layout still knows who is signed in


def test_error_pages_are_translated(client):
    response = client.get("/nope", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 404
    assert 'lang="zh-Hans"' in response.text
    assert _heading(response.text) != "Page not found"


def test_visitor_asking_for_the_new_idea_form_is_sent_to_sign_in(client):
    response = client.get("/ideas/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/ideas/new"


def test_visitor_is_brought_back_after_signing_in(client, patron):
    response = client.get("/ideas/new?title=Late+opening", follow_redirects=False)
    location = response.headers["location"]
    assert location == "/login?next=/ideas/new%3Ftitle%3DLate%2Bopening"
    form = client.get(location).text
    target = re.search(r'name="next" value="([^"]*)"', form).group(1)
    assert target == "/ideas/new?title=Late+opening"
    response = client.post("/login", {"email": patron.email, "password": PASSWORD, "next": target})
    assert response.headers["location"] == target
    assert 'value="Late opening"' in client.get(target).text


def test_visitor_posting_a_vote_is_sent_to_sign_in(client, engine, idea_id):
    response = client.post(f"/ideas/{idea_id}/vote", {"action": "add"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    with db.read(engine) as s:
        assert ideas_q.get(s, idea_id).vote_count == 0


def test_visitor_voting_with_htmx_gets_a_redirect_header(client, idea_id):
    response = client.post(
        f"/ideas/{idea_id}/vote", {"action": "add"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response.headers["hx-redirect"] == "/login"


def test_error_a_form_with_more_than_a_thousand_fields_is_413_and_stores_nothing(
    client, engine, patron, category
):
    many = "&".join(f"f{i}=x" for i in range(1001))
    anonymous = client.post(
        "/signup",
        content=many,
        csrf=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert anonymous.status_code == 413 and _in_layout(anonymous.text)
    login_as(client, patron)
    token = client.csrf_token()
    body = f"csrf_token={token}&title=Too+many&body=Fields&category_id={category.id}&" + many
    signed_in = client.post(
        "/ideas/new",
        content=body,
        csrf=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert signed_in.status_code == 413 and _in_layout(signed_in.text)
    files = {f"f{i}": (None, "x") for i in range(1001)}
    multipart = client.post(
        "/ideas/new",
        files=files,
        csrf=False,
        headers={"X-CSRF-Token": token},
        data={"title": "Too many", "body": "Fields", "category_id": str(category.id)},
    )
    assert multipart.status_code == 413 and _in_layout(multipart.text)
    with db.read(engine) as s:
        assert s.execute(select(func.count()).select_from(Idea)).scalar_one() == 0
