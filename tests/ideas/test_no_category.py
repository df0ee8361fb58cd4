"""A fresh site works before anyone configures it: until a category exists, the new-idea
form does not ask for one and ideas are stored without; every page, the API, the data
download and `portal check` handle an idea without a category. Once categories exist, the
form requires one again."""

from __future__ import annotations

import re

from portal import domains
from portal.core import db
from portal.ideas import categories
from portal.ideas.models import Idea
from tests import factories as f
from tests.conftest import login_as


def propose(client, **fields: str):
    return client.post("/ideas/new", {"title": "A quiet room", "body": "Please.", **fields})


def new_id(response) -> int:
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_without_categories_the_form_does_not_ask_for_one(client, engine, patron):
    login_as(client, patron)
    form = client.get("/ideas/new").text
    assert 'name="category_id"' not in form and ">Category<" not in form
    idea = f.get(engine, Idea, new_id(propose(client)))
    assert idea.title == "A quiet room" and idea.category_id is None


def test_an_idea_without_a_category_shows_everywhere(client, engine, patron, staff):
    login_as(client, patron)
    idea_id = new_id(propose(client))
    client.post(f"/ideas/{idea_id}/comments", {"body": "Me too."})
    for path in ("/", "/ideas", f"/ideas/{idea_id}", "/ideas?sort=new", "/ideas?q=quiet"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "A quiet room" in page.text, path
        assert 'class="category"' not in page.text, path
    # No category filter is offered while there is no category.
    assert 'name="category"' not in client.get("/ideas").text
    assert client.get(f"/api/v1/ideas/{idea_id}").json()["data"]["category"] is None
    assert client.get("/api/v1/ideas").json()["data"][0]["category"] is None
    export = client.get("/account/export.json").json()
    assert export["ideas"][0]["category_id"] is None
    login_as(client, staff)
    assert client.get(f"/ideas/{idea_id}/edit").status_code == 200
    assert client.get("/staff").status_code == 200
    assert domains.check(engine).findings == []


def test_once_a_category_exists_the_form_requires_one(client, engine, admin, patron):
    with db.write(engine) as s:
        categories.add(db=s, actor=admin, name="Study spaces")
    login_as(client, patron)
    assert 'name="category_id"' in client.get("/ideas/new").text
    response = propose(client)
    assert response.status_code == 400
    assert "Choose a category from the list." in response.text
    assert 'value="A quiet room"' in response.text  # the text is kept
    assert f.count(engine, Idea) == 0


def test_when_every_category_is_archived_ideas_go_without_one_again(
    client, engine, admin, patron, category
):
    with db.write(engine) as s:
        for row in categories.queries.categories(s):
            categories.archive(db=s, actor=admin, category_id=row.id)
    login_as(client, patron)
    assert 'name="category_id"' not in client.get("/ideas/new").text
    assert f.get(engine, Idea, new_id(propose(client))).category_id is None
    # A category posted anyway is refused: it is not offered.
    refused = propose(client, category_id=str(category.id))
    assert refused.status_code == 400


def test_an_idea_without_a_category_may_stay_so_when_edited(client, engine, admin, patron):
    login_as(client, patron)
    idea_id = new_id(propose(client))
    with db.write(engine) as s:
        spaces = categories.add(db=s, actor=admin, name="Study spaces")
    form = client.get(f"/ideas/{idea_id}/edit").text
    assert re.search(r'<option value="">Choose a category</option>', form)
    response = client.post(
        f"/ideas/{idea_id}/edit", {"title": "A quiet room, please", "body": "Two."}
    )
    assert response.status_code == 303
    assert f.get(engine, Idea, idea_id).category_id is None
    # ...or be filed now.
    client.post(
        f"/ideas/{idea_id}/edit",
        {"title": "A quiet room", "body": "Two.", "category_id": str(spaces.id)},
    )
    assert f.get(engine, Idea, idea_id).category_id == spaces.id


def test_an_idea_with_a_category_cannot_lose_it_by_editing(client, engine, patron, category):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/edit", {"title": "Changed", "body": "Changed."})
    assert response.status_code == 400
    assert f.get(engine, Idea, idea.id).category_id == category.id


def test_filtering_by_a_category_leaves_out_ideas_without_one(
    client, engine, admin, patron, category
):
    f.idea(engine, patron, category, title="Filed idea")
    with db.write(engine) as s:
        for row in categories.queries.categories(s):
            categories.archive(db=s, actor=admin, category_id=row.id)
    login_as(client, patron)
    new_id(propose(client))
    page = client.get("/ideas?category=spaces").text
    assert "Filed idea" in page and "A quiet room" not in page
    assert {"Filed idea", "A quiet room"} <= set(
        re.findall(r">([^<]+)</a></h2>", client.get("/ideas").text)
    )
