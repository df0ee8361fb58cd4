"""The read-only JSON API for ideas: paging with a `next` link, the same filters as the HTML
list, public data only (no email address anywhere), 404 for unknown ids."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.core import db
from portal.ideas import services as ideas
from portal.ideas.models import Category
from portal.ideas.queries import PER_PAGE
from portal.votes import services as votes
from tests.conftest import make_user

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def _propose(engine, actor, title, category_id, body="Some words", library=False):
    with db.write(engine) as s:
        return ideas.propose(
            db=s,
            actor=actor,
            title=title,
            body=body,
            category_id=category_id,
            library_proposal=library,
        ).id


def _ids(response) -> list[int]:
    assert response.status_code == 200
    return [item["id"] for item in response.json()["data"]]


@pytest.fixture
def digital(engine, category):
    with db.read(engine) as s:
        return s.execute(select(Category).where(Category.slug == "digital")).scalar_one()


def test_api_ideas_is_a_json_list_of_public_fields(client, engine, category, patron):
    idea_id = _propose(engine, patron, "Longer opening hours", category.id, body="On *Sundays*")
    response = client.get("/api/v1/ideas")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["page"] == 1 and body["next"] is None
    (item,) = body["data"]
    assert item["id"] == idea_id
    assert item["url"] == f"http://testserver/ideas/{idea_id}"
    assert item["title"] == "Longer opening hours"
    assert item["body"] == "On *Sundays*"
    assert item["category"] == "spaces"
    assert item["author"] == "Pat Reader"
    assert (item["status"], item["origin"], item["votes"], item["comments"]) == (
        "new",
        "patron",
        0,
        0,
    )


def test_api_ideas_pages_with_a_next_link(client, engine, category, patron):
    made = [_propose(engine, patron, f"Idea number {n}", category.id) for n in range(PER_PAGE + 3)]
    first = client.get("/api/v1/ideas?sort=new").json()
    assert len(first["data"]) == PER_PAGE
    assert first["next"].startswith("http://testserver/api/v1/ideas?")
    assert "page=2" in first["next"] and "sort=new" in first["next"]
    second = client.get(first["next"].removeprefix("http://testserver")).json()
    assert second["page"] == 2 and second["next"] is None
    seen = [i["id"] for i in first["data"] + second["data"]]
    assert seen == sorted(made, reverse=True)


def test_api_ideas_filters_like_the_html_list(client, engine, category, digital, patron, staff):
    spaces = _propose(engine, patron, "Quiet study room", category.id, body="No talking")
    online = _propose(engine, patron, "Ebook loans", digital.id, body="More ebooks please")
    library = _propose(engine, staff, "Maker space pilot", category.id, library=True)
    with db.write(engine) as s:
        ideas.change_status(db=s, actor=staff, idea_id=online, status="planned")
    cases = {
        "category=spaces": {spaces, library},
        "category=digital": {online},
        "category=unknown": set(),
        "status=planned": {online},
        "origin=library": {library},
        "origin=patron&category=spaces": {spaces},
        "q=ebooks": {online},
    }
    for query, expected in cases.items():
        api_ids = set(_ids(client.get(f"/api/v1/ideas?{query}")))
        assert api_ids == expected, query
        html = client.get(f"/ideas?{query}").text
        html_ids = {int(n) for n in re.findall(r'id="idea-(\d+)-title"', html)}
        assert html_ids == expected, query


def test_api_ideas_sorts_like_the_html_list(client, engine, category, patron, other_patron):
    older = _propose(engine, patron, "Older idea", category.id)
    newer = _propose(engine, patron, "Newer idea", category.id)
    with db.write(engine) as s:
        votes.vote(db=s, actor=other_patron, idea_id=older)
    assert _ids(client.get("/api/v1/ideas?sort=top")) == [older, newer]
    assert _ids(client.get("/api/v1/ideas?sort=new")) == [newer, older]
    assert client.get("/api/v1/ideas?sort=top").json()["data"][0]["votes"] == 1


def test_api_ideas_survives_bad_query_values(client, engine, category, patron):
    idea_id = _propose(engine, patron, "Anything", category.id)
    for query in ("page=abc", "page=-4", "sort=drop+table", "status=bogus", "q=%22%27*"):
        response = client.get(f"/api/v1/ideas?{query}")
        assert response.status_code == 200, query
    assert _ids(client.get("/api/v1/ideas?page=abc")) == [idea_id]
    assert _ids(client.get("/api/v1/ideas?page=99")) == []


def test_api_never_shows_an_email_address(client, engine, category, staff):
    author = make_user(engine, "patron", email="secret.person@example.org", name="Secret Person")
    idea_id = _propose(engine, author, "Idea by a private person", category.id)
    _propose(engine, staff, "Idea by staff", category.id)
    for path in ("/api/v1/ideas", f"/api/v1/ideas/{idea_id}"):
        text = client.get(path).text
        assert "Secret Person" in text
        assert EMAIL.findall(text) == [], path
        assert "password" not in text and "email" not in text


def test_api_idea_detail(client, engine, category, patron):
    idea_id = _propose(engine, patron, "Self-service printing", category.id)
    response = client.get(f"/api/v1/ideas/{idea_id}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == idea_id and data["title"] == "Self-service printing"
    assert data == client.get("/api/v1/ideas").json()["data"][0]


def test_api_idea_detail_of_an_unknown_id_is_404(client, engine, category, patron):
    _propose(engine, patron, "The only idea", category.id)
    assert client.get("/api/v1/ideas/999999").status_code == 404
    assert client.get("/api/v1/ideas/abc").status_code == 404


def test_api_shows_a_duplicate_with_its_original(client, engine, category, patron, staff):
    original = _propose(engine, patron, "Open on Sundays", category.id)
    copy = _propose(engine, patron, "Sunday opening", category.id)
    with db.write(engine) as s:
        ideas.change_status(
            db=s, actor=staff, idea_id=copy, status="duplicate", duplicate_of=str(original)
        )
    assert _ids(client.get("/api/v1/ideas")) == [original]
    data = client.get(f"/api/v1/ideas/{copy}").json()["data"]
    assert (data["status"], data["duplicate_of"]) == ("duplicate", original)


def test_api_is_read_only(client, engine, category, patron):
    assert client.post("/api/v1/ideas", {"title": "x"}).status_code == 405
