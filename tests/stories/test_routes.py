"""Stories over HTTP: the form (bad input named beside the field, text kept, nothing stored),
who reads which story, the staff's list and page, the decision's "Stories about this", the
published list and its theme filter, without the author's name anywhere public."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from portal.core import db
from portal.moderation.models import AuditEntry
from portal.stories import services
from portal.stories.models import Story, StoryDecision
from tests import decisions as d
from tests import factories as f
from tests.conftest import login_as
from tests.stories import CHANGED, DID, HAPPENED, publish, stored, tell, theme

FORM = {"happened": HAPPENED, "did": DID, "changed": CHANGED, "service": "Help desk"}


def test_new_story_form_asks_the_three_prompts_and_consent_off(client, patron):
    login_as(client, patron)
    page = client.get("/stories/new").text
    assert "one specific time the library made a difference" in page
    for name in ("happened", "did", "changed", "service"):
        assert f'name="{name}"' in page
    assert 'name="consent"' in page and "checked" not in page.split('name="consent"')[1][:80]


def test_new_story_asks_for_a_category_once_the_site_has_some(client, patron, category):
    login_as(client, patron)
    page = client.get("/stories/new").text
    assert 'name="category_id"' in page and 'name="service"' not in page


def test_new_story_needs_sign_in(client, engine):
    response = client.get("/stories/new", follow_redirects=False)
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]
    assert stored(engine)["story"] == 0


def test_posting_a_story_stores_it_and_shows_it_to_its_author(client, engine, patron):
    login_as(client, patron)
    response = client.post("/stories/new", FORM | {"consent": "1"})
    assert response.status_code == 303
    (story,) = _stories(engine)
    assert story.author_id == patron.id and story.consent is True
    page = client.get(response.headers["location"]).text
    assert html.escape(HAPPENED, quote=False) in html.unescape(page) or HAPPENED in page
    assert "Only you and the library" in html.unescape(page)


def test_bad_story_is_named_beside_the_field_kept_and_not_stored(client, engine, patron):
    login_as(client, patron)
    typed = "Too short"
    response = client.post("/stories/new", FORM | {"did": typed, "consent": "1"})
    assert response.status_code == 400
    assert 'id="did-error"' in response.text and 'aria-invalid="true"' in response.text
    assert typed in response.text and HAPPENED in html.unescape(response.text)
    assert 'value="1" checked' in response.text  # the consent given is kept too
    assert stored(engine)["story"] == 0


def test_story_post_without_csrf_token_is_refused(client, engine, patron):
    login_as(client, patron)
    assert client.post("/stories/new", FORM, csrf=False).status_code == 403
    assert stored(engine)["story"] == 0


def test_story_answers_go_through_markdown_never_raw(client, engine, patron, staff):
    story = tell(engine, patron, happened="<script>alert(1)</script> **bold** text here")
    publish(engine, staff, story.id)
    page = client.get(f"/stories/{story.id}").text
    assert "<script>alert(1)" not in page and "<strong>bold</strong>" in page


def test_unpublished_story_is_404_to_strangers_and_visitors(client, engine, patron, other_patron):
    story = tell(engine, patron)
    assert client.get(f"/stories/{story.id}").status_code == 404
    login_as(client, other_patron)
    assert client.get(f"/stories/{story.id}").status_code == 404
    assert client.get("/stories/99999").status_code == 404


def test_unpublished_story_is_read_by_its_author_and_staff(client, app, engine, patron, staff):
    story = tell(engine, patron, consent=False)
    login_as(client, patron)
    assert client.get(f"/stories/{story.id}").status_code == 200
    client.post("/logout")
    login_as(client, staff)
    assert client.get(f"/stories/{story.id}").status_code == 200


def test_published_story_is_public_and_never_names_its_author(client, engine, patron, staff):
    story = tell(engine, patron)
    publish(engine, staff, story.id)
    for path in (f"/stories/{story.id}", "/stories"):
        page = client.get(path)
        assert page.status_code == 200 and "census tables" in page.text
        assert patron.display_name not in page.text


def test_staff_pages_are_refused_to_patrons(client, engine, patron):
    story = tell(engine, patron)
    login_as(client, patron)
    assert client.get("/staff/stories").status_code == 403
    assert client.get(f"/staff/stories/{story.id}").status_code == 403
    for action in ("publish", "code", "link", "theme"):
        assert client.post(f"/staff/stories/{story.id}/{action}", {}).status_code == 403
    assert f.get(engine, Story, story.id).published_at is None
    assert f.count(engine, AuditEntry) == 0


def test_staff_list_is_newest_first_and_paged(client, engine, patron, staff):
    ids = [tell(engine, patron).id for _ in range(21)]
    login_as(client, staff)
    first = client.get("/staff/stories").text
    assert f"/staff/stories/{ids[-1]}" in first and f'/staff/stories/{ids[0]}"' not in first
    assert first.index(f"/staff/stories/{ids[-1]}") < first.index(f"/staff/stories/{ids[-2]}")
    assert f'/staff/stories/{ids[0]}"' in client.get("/staff/stories?page=2").text


def test_staff_publish_refused_without_consent_says_why(client, engine, patron, staff):
    story = tell(engine, patron, consent=False)
    login_as(client, staff)
    response = client.post(f"/staff/stories/{story.id}/publish", {})
    assert response.status_code == 400 and "did not agree" in html.unescape(response.text)
    assert f.get(engine, Story, story.id).published_at is None


def test_staff_publish_and_unpublish_through_the_page(client, engine, patron, staff):
    story = tell(engine, patron)
    login_as(client, staff)
    assert client.post(f"/staff/stories/{story.id}/publish", {}).status_code == 303
    assert f.get(engine, Story, story.id).published_at is not None
    assert client.post(f"/staff/stories/{story.id}/unpublish", {}).status_code == 303
    assert f.get(engine, Story, story.id).published_at is None
    client.post("/logout")
    assert client.get(f"/stories/{story.id}").status_code == 404


def test_staff_add_theme_with_bad_code_keeps_the_text(client, engine, patron, staff):
    story = tell(engine, patron)
    login_as(client, staff)
    form = {"code": "bad code", "name": "Confidence", "name_zh": "信心"}
    response = client.post(f"/staff/stories/{story.id}/theme", form)
    assert response.status_code == 400 and 'id="code-error"' in response.text
    assert 'value="bad code"' in response.text and 'value="Confidence"' in response.text
    assert stored(engine)["story_theme"] == 0
    form["code"] = "confidence"
    assert client.post(f"/staff/stories/{story.id}/theme", form).status_code == 303
    assert "Confidence (confidence)" in client.get(f"/staff/stories/{story.id}").text


def test_staff_link_with_a_missing_decision_keeps_the_text(client, engine, patron, staff):
    story = tell(engine, patron)
    login_as(client, staff)
    response = client.post(f"/staff/stories/{story.id}/link", {"decisions": "4242", "ideas": ""})
    assert response.status_code == 400 and "There is no decision number 4242" in response.text
    assert 'value="4242"' in response.text
    assert stored(engine)["story_decision"] == 0


def test_unknown_staff_action_or_story_is_404(client, engine, patron, staff):
    story = tell(engine, patron)
    login_as(client, staff)
    assert client.post(f"/staff/stories/{story.id}/delete", {}).status_code == 404
    assert client.post("/staff/stories/999/theme", {"code": "a"}).status_code == 404
    assert stored(engine)["story_theme"] == 0


def test_decision_page_lists_its_published_stories_only(client, engine, patron, staff):
    decision = d.publish(engine, staff)
    shown, private = tell(engine, patron), tell(engine, patron, happened="A private one, unseen")
    publish(engine, staff, shown.id)
    with db.write(engine) as s:
        for story in (shown, private):
            services.link(
                db=s, actor=staff, story_id=story.id, decisions=str(decision.id), ideas=""
            )
    page = client.get(f"/you-said-we-did/{decision.id}").text
    assert "Stories about this" in page and f"/stories/{shown.id}" in page
    assert f"/stories/{private.id}" not in page and "private one" not in page
    assert f.count(engine, StoryDecision) == 2


def test_published_list_filters_by_theme(client, engine, patron, staff):
    a, b = tell(engine, patron, happened="About study rooms"), tell(engine, patron)
    time = theme(engine, staff)
    for story in (a, b):
        publish(engine, staff, story.id)
    with db.write(engine) as s:
        services.code(db=s, actor=staff, story_id=a.id, theme_ids=[str(time.id)])
    page = client.get("/stories?theme=time").text
    assert f"/stories/{a.id}" in page and f'/stories/{b.id}"' not in page
    assert client.get("/stories?theme=nope").status_code == 404


@pytest.mark.parametrize("query", ["page=abc", "page=-1", "theme=%00", "page=99999999999999"])
def test_published_list_survives_odd_queries(client, query):
    assert client.get(f"/stories?{query}").status_code in (200, 404)


def test_footer_links_to_telling_a_story(client):
    assert 'href="/stories/new"' in client.get("/").text


def _stories(engine):
    with db.read(engine) as s:
        return list(s.execute(select(Story)).scalars())


def test_telling_stories_is_rate_limited(client, engine, patron):
    login_as(client, patron)
    for _ in range(10):
        assert client.post("/stories/new", FORM).status_code == 303
    assert client.post("/stories/new", FORM).status_code == 429
    assert stored(engine)["story"] == 10


def test_story_page_names_its_decisions_and_ideas(client, engine, patron, staff, category):
    story = tell(engine, patron, category_id=str(category.id))
    idea = f.idea(engine, patron, category, title="Quiet carrels for thesis writers")
    decision = d.publish(engine, staff, [idea.id], title="Carrels in the east wing")
    publish(engine, staff, story.id)
    with db.write(engine) as s:
        services.link(
            db=s, actor=staff, story_id=story.id, decisions=str(decision.id), ideas=str(idea.id)
        )
    page = client.get(f"/stories/{story.id}").text
    assert "Carrels in the east wing" in page and "Quiet carrels for thesis writers" in page
    assert "Spaces" in page  # the service, by its category's name


def test_nul_bytes_in_any_field_are_refused_never_a_500(client, engine, patron, staff):
    story = tell(engine, patron)
    login_as(client, staff)
    nul = "ab\x00cd"
    sent = {k: nul for k in ("happened", "did", "changed", "service", "category_id", "consent")}
    assert client.post("/stories/new", sent).status_code == 400
    for action, form in (
        ("theme", {"code": nul, "name": nul, "name_zh": nul}),
        ("code", {"themes": nul}),
        ("link", {"decisions": nul, "ideas": nul}),
    ):
        assert client.post(f"/staff/stories/{story.id}/{action}", form).status_code == 400
    assert stored(engine) == {
        "story": 1,
        "story_theme": 0,
        "story_theme_link": 0,
        "story_decision": 0,
        "story_idea": 0,
    }
