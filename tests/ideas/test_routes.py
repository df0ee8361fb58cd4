"""Ideas over HTTP: the list (sort, filters, search, pages, the htmx partial), the idea page,
proposing and editing through forms, status changes by staff, similar titles."""

from __future__ import annotations

import html
import re

import pytest

from portal.ideas.models import Idea, StatusChange
from portal.votes.models import Follow
from tests import factories as f
from tests.conftest import login_as
from tests.factories import WEIRD_QUERIES


def page_link(page: str, rel: str) -> str | None:
    """The address of the "next" or "prev" pagination link, if there is one."""
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def titles_on(page: str) -> list[str]:
    return re.findall(r'class="card-title"[^>]*><a href="/ideas/\d+">([^<]+)</a>', page)


def test_ideas_list_shows_ideas_in_a_full_page(client, engine, patron, category):
    f.idea(engine, patron, category, title="Longer opening hours")
    response = client.get("/ideas")
    assert response.status_code == 200
    assert "<html" in response.text and 'role="search"' in response.text
    assert 'id="results"' in response.text
    assert titles_on(response.text) == ["Longer opening hours"]
    assert "HX-Request" in response.headers["Vary"]


def test_ideas_list_for_htmx_returns_only_the_results_fragment(client, engine, patron, category):
    f.idea(engine, patron, category, title="Longer opening hours")
    response = client.get("/ideas?q=opening", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results"')
    assert "<html" not in response.text and 'role="search"' not in response.text
    assert titles_on(response.text) == ["Longer opening hours"]
    assert "HX-Request" in response.headers["Vary"]


def test_ideas_list_for_boosted_htmx_returns_the_full_page(client):
    response = client.get("/ideas", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.text


def test_ideas_list_when_empty_says_what_to_do(client):
    assert "No ideas yet: propose the first one." in client.get("/ideas").text


@pytest.mark.parametrize(
    "query",
    ["sort=bogus", "status=closed", "origin=martian", "page=abc", "page=-1", "category=%00"],
)
def test_ideas_list_ignores_unknown_values(client, engine, patron, category, query):
    f.idea(engine, patron, category, title="Still listed")
    response = client.get(f"/ideas?{query}")
    assert response.status_code == 200
    assert titles_on(response.text) == ["Still listed"]


def test_ideas_search_with_odd_text_never_fails(client, engine, patron, category):
    f.idea(engine, patron, category, title="Quiet study room")
    for q in [*WEIRD_QUERIES, "\x00", "x" * 5000]:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get("/ideas", params={"q": q}, headers=headers)
            assert response.status_code == 200, q
            assert "<script>alert" not in response.text
        assert client.get("/ideas/similar", params={"title": q}).status_code == 200, q
        assert client.get("/api/v1/ideas", params={"q": q}).status_code == 200, q


def test_ideas_search_finds_words_in_the_body(client, engine, patron, category):
    f.idea(engine, patron, category, title="Quiet room", body="Somewhere without phones.")
    f.idea(engine, patron, category, title="Board games")
    assert titles_on(client.get("/ideas?q=phone").text) == ["Quiet room"]


def test_ideas_pages_link_to_the_next_page_keeping_sort_and_filters(
    client, engine, patron, category
):
    f.many_ideas(engine, patron, category, 25)
    first = client.get("/ideas?sort=new&category=spaces&status=new")
    assert len(titles_on(first.text)) == 20
    link = page_link(first.text, "next")
    assert link is not None and "Next page" in first.text
    assert page_link(first.text, "prev") is None
    assert dict(p.split("=") for p in link.lstrip("?").split("&")) == {
        "sort": "new",
        "category": "spaces",
        "status": "new",
        "page": "2",
    }
    second = client.get("/ideas" + link)
    assert titles_on(second.text) == [f"Idea {i}" for i in range(4, -1, -1)]
    assert page_link(second.text, "next") is None
    assert page_link(second.text, "prev") == "?sort=new&category=spaces&status=new"


def test_ideas_page_beyond_the_last_offers_the_first(client, engine, patron, category):
    f.many_ideas(engine, patron, category, 3)
    response = client.get("/ideas?page=7")
    assert response.status_code == 200 and "Back to the first page" in response.text


def test_idea_page_shows_the_idea(client, engine, patron, category):
    idea = f.idea(engine, patron, category, title="Board games", body="**Chess** too")
    page = client.get(f"/ideas/{idea.id}").text
    assert "<h1" in page and "Board games" in page
    assert "<strong>Chess</strong>" in page and "Pat Reader" in page


@pytest.mark.parametrize(
    "path", ["/ideas/999999", "/ideas/999999/edit", "/ideas/99999999999999999999"]
)
def test_unknown_idea_is_not_found(client, patron, path):
    login_as(client, patron)
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_status_change_on_unknown_idea_is_not_found(client, engine, staff):
    login_as(client, staff)
    response = client.post("/ideas/999999/status", {"status": "planned"})
    assert response.status_code == 404
    assert f.count(engine, StatusChange) == 0


def test_new_idea_form_sends_visitors_to_sign_in(client):
    response = client.get("/ideas/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/ideas/new"


def test_new_idea_posted_by_patron_is_stored_and_followed(client, engine, patron, category):
    login_as(client, patron)
    response = client.post(
        "/ideas/new",
        {"title": "Board games", "body": "Chess too.", "category_id": str(category.id)},
    )
    assert response.status_code == 303
    idea_id = int(response.headers["location"].rsplit("/", 1)[1])
    idea = f.get(engine, Idea, idea_id)
    assert (idea.title, idea.author_id, idea.origin) == ("Board games", patron.id, "patron")
    assert f.followers_of(engine, idea_id) == {patron.id}
    page = client.get(response.headers["location"]).text
    assert "Your idea is posted." in page and "Following" in page


@pytest.mark.parametrize(("role", "origin"), [("patron", "patron"), ("staff", "library")])
def test_new_idea_library_proposal_only_for_staff(
    client, engine, category, patron, staff, role, origin
):
    login_as(client, {"patron": patron, "staff": staff}[role])
    response = client.post(
        "/ideas/new",
        {"title": "Makerspace", "body": "3D printers.", "category_id": str(category.id)}
        | {"library_proposal": "1"},
    )
    idea_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert f.get(engine, Idea, idea_id).origin == origin
    assert ("Library proposal" in client.get(f"/ideas/{idea_id}").text) == (origin == "library")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a title for your idea."),
        ({"title": "T" * 121}, "title", "Use at most 120 characters for the title."),
        ({"body": ""}, "body", "Describe your idea."),
        ({"body": "B" * 10_001}, "body", "Use at most 10000 characters for the description."),
        ({"category_id": "999999"}, "category_id", "Choose a category from the list."),
        ({"category_id": ""}, "category_id", "Choose a category from the list."),
        ({"title": "Nul\x00"}, "title", "Remove the invisible control characters"),
    ],
)
def test_new_idea_with_bad_input_re_renders_the_form(
    client, engine, patron, category, changes, field, message
):
    login_as(client, patron)
    values = {
        "title": "Chess & <b>go</b> club",
        "body": "Tuesdays, \"please\" & thank 'you'.",
        "category_id": str(category.id),
    } | changes
    response = client.post("/ideas/new", values)
    assert response.status_code == 400
    page = response.text
    assert 'class="error-summary"' in page
    assert re.search(rf'<a href="#{field}">{re.escape(html.escape(message))}', page)
    assert re.search(rf'id="{field}-error">.*{re.escape(html.escape(message))}', page)
    assert 'aria-invalid="true"' in page
    if "title" not in changes:
        assert 'value="Chess &amp; &lt;b&gt;go&lt;/b&gt; club"' in page
    if "body" not in changes:
        assert "Tuesdays, &#34;please&#34; &amp; thank &#39;you&#39;.</textarea>" in page
    if "category_id" not in changes:
        assert f'<option value="{category.id}" selected>' in page
    assert f.count(engine, Idea) == 0
    assert f.count(engine, Follow) == 0


def test_edit_idea_by_author_saves_the_change(client, engine, patron, category):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    form = client.get(f"/ideas/{idea.id}/edit")
    assert form.status_code == 200 and idea.title in form.text
    response = client.post(
        f"/ideas/{idea.id}/edit",
        {"title": "Open until midnight", "body": "Please.", "category_id": str(category.id)},
    )
    assert response.status_code == 303 and response.headers["location"] == f"/ideas/{idea.id}"
    assert f.get(engine, Idea, idea.id).title == "Open until midnight"


def test_edit_idea_by_another_patron_is_forbidden(client, engine, patron, other_patron, category):
    idea = f.idea(engine, patron, category)
    login_as(client, other_patron)
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403
    response = client.post(
        f"/ideas/{idea.id}/edit",
        {"title": "Hijacked", "body": "Mine now.", "category_id": str(category.id)},
    )
    assert response.status_code == 403
    stored = f.get(engine, Idea, idea.id)
    assert (stored.title, stored.body) == (idea.title, idea.body)
    assert "Edit idea" not in client.get(f"/ideas/{idea.id}").text


def test_edit_idea_by_staff_is_allowed_after_review(client, engine, patron, staff, category):
    idea = f.idea(engine, patron, category, status="under_review")
    login_as(client, staff)
    response = client.post(
        f"/ideas/{idea.id}/edit",
        {"title": "Clearer title", "body": idea.body, "category_id": str(category.id)},
    )
    assert response.status_code == 303
    assert f.get(engine, Idea, idea.id).title == "Clearer title"


def test_edit_idea_with_bad_input_keeps_text_and_stored_idea(client, engine, patron, category):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    response = client.post(
        f"/ideas/{idea.id}/edit",
        {"title": "", "body": "New words I typed", "category_id": str(category.id)},
    )
    assert response.status_code == 400
    assert "Enter a title for your idea." in response.text
    assert "New words I typed</textarea>" in response.text
    assert f.get(engine, Idea, idea.id).body == idea.body


def test_status_change_by_staff_is_public_in_the_history(client, engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    response = client.post(
        f"/ideas/{idea.id}/status",
        {"status": "planned", "response": "We will *try* this in May."},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea.id}#history"
    assert f.get(engine, Idea, idea.id).status == "planned"
    client.cookies.clear()
    page = client.get(f"/ideas/{idea.id}").text
    history = page.split('id="history"')[1].split("</section>")[0]
    assert "Status changed to Planned" in history
    assert "We will <em>try</em> this in May." in history
    assert "Sam Staff" in history and "Library staff" in history


def test_status_change_by_patron_is_forbidden(client, engine, patron, category):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/status", {"status": "done", "response": "Done!"})
    assert response.status_code == 403
    assert f.get(engine, Idea, idea.id).status == "new"
    assert f.count(engine, StatusChange) == 0
    assert 'id="status-form"' not in client.get(f"/ideas/{idea.id}").text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"status": "new"}, "Choose a different status, or write a response."),
        ({"status": "closed", "response": "Hi"}, "Choose one of the statuses."),
        ({"status": "duplicate"}, "Enter the number of another idea that this one repeats."),
    ],
)
def test_status_change_with_bad_input_shows_the_form_again(
    client, engine, patron, staff, category, form, message
):
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    response = client.post(f"/ideas/{idea.id}/status", form)
    assert response.status_code == 400
    assert message in response.text and 'class="error-summary"' in response.text
    assert f.get(engine, Idea, idea.id).status == "new"
    assert f.count(engine, StatusChange) == 0


def test_status_duplicate_through_the_form_points_to_the_original(
    client, engine, patron, other_patron, staff, category
):
    original = f.idea(engine, patron, category, title="Longer hours")
    copy = f.idea(engine, other_patron, category, title="Open later")
    f.vote(engine, other_patron, copy.id)
    login_as(client, staff)
    response = client.post(
        f"/ideas/{copy.id}/status", {"status": "duplicate", "duplicate_of": f"#{original.id}"}
    )
    assert response.status_code == 303
    assert f.votes_of(engine, original.id) == {other_patron.id}
    page = client.get(f"/ideas/{copy.id}").text
    assert "This idea repeats another one" in page and f'href="/ideas/{original.id}"' in page


def test_similar_titles_lists_matching_ideas(client, engine, patron, category):
    idea = f.idea(engine, patron, category, title="Longer opening hours")
    f.idea(engine, patron, category, title="Board games")
    response = client.get("/ideas/similar", params={"title": "weekend hours"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="similar"')
    assert f'href="/ideas/{idea.id}"' in response.text and "Longer opening hours" in response.text
    assert "Board games" not in response.text


@pytest.mark.parametrize("title", ["", "telescope", '"*" NEAR( OR -', "x" * 500])
def test_similar_titles_without_a_match_lists_nothing(client, engine, patron, category, title):
    f.idea(engine, patron, category, title="Board games")
    response = client.get("/ideas/similar", params={"title": title})
    assert response.status_code == 200 and "<li>" not in response.text


def test_idea_cards_show_where_an_idea_came_from_unless_the_site(client, engine, patron, category):
    f.idea(engine, patron, category, title="Came by mail", source="email")
    f.idea(engine, patron, category, title="Came by phone", source="phone")
    f.idea(engine, patron, category, title="Came from the form")
    for path in ("/ideas", "/"):
        page = client.get(path).text
        cards = dict(
            re.findall(r'<article class="card".*?>([^<]+)</a></h\d>(.*?)</article>', page, re.S)
        )
        assert '<span class="source">By email</span>' in cards["Came by mail"]
        assert '<span class="source">By phone</span>' in cards["Came by phone"]
        assert 'class="source"' not in cards["Came from the form"]
        assert "On the site" not in page
    zh = client.get("/ideas", headers={"Accept-Language": "zh-Hans"}).text
    assert '<span class="source">通过电子邮件</span>' in zh
