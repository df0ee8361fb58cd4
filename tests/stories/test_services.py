"""Stories' writes: telling one (each answer checked, the service, consent), and staff's
themes, links, publishing only with consent; each staff change in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import col

from portal.accounts.models import User
from portal.core import db
from portal.core.errors import Forbidden, NotFound, Unconfirmed, ValidationError
from portal.moderation.models import AuditEntry
from portal.stories import queries, services
from portal.stories.models import Story
from tests import decisions as d
from tests import factories as f
from tests.conftest import make_user
from tests.stories import stored, tell, theme


def _tell(engine, actor, **fields):
    values = {"happened": "x" * 20, "did": "y" * 20, "changed": "z" * 20, "service": "Loans"}
    values.update(fields)
    with db.write(engine) as s:
        return services.tell(db=s, actor=actor, **values)


def test_tell_stores_the_story_private_and_without_consent_by_default(engine, patron):
    story = _tell(engine, patron)
    row = f.get(engine, Story, story.id)
    assert row.author_id == patron.id and row.service == "Loans"
    assert row.consent is False and row.published_at is None


@pytest.mark.parametrize("name", ["happened", "did", "changed"])
@pytest.mark.parametrize("bad", ["", "   short  ", "a" * 5001, "ten chars\x00!"])
def test_tell_refuses_an_answer_outside_10_to_5000_characters(engine, patron, name, bad):
    with pytest.raises(ValidationError) as exc:
        _tell(engine, patron, **{name: bad})
    assert set(exc.value.errors) == {name}
    assert stored(engine)["story"] == 0


def test_tell_accepts_answers_of_exactly_10_and_5000_characters(engine, patron):
    story = _tell(engine, patron, happened="a" * 10, did="b" * 5000)
    assert len(f.get(engine, Story, story.id).did) == 5000


@pytest.mark.parametrize("bad", ["", "   ", "s" * 101])
def test_tell_needs_a_service_in_words_while_there_are_no_categories(engine, patron, bad):
    with pytest.raises(ValidationError) as exc:
        _tell(engine, patron, service=bad)
    assert set(exc.value.errors) == {"service"}


def test_tell_needs_one_of_the_sites_categories_once_there_are_some(engine, patron, category):
    for bad in ("", "abc", "999", "-1"):
        with pytest.raises(ValidationError) as exc:
            _tell(engine, patron, category_id=bad, service="typed anyway")
        assert set(exc.value.errors) == {"category_id"}
    story = _tell(engine, patron, category_id=str(category.id), service="ignored")
    row = f.get(engine, Story, story.id)
    assert row.category_id == category.id and row.service == ""


def test_tell_needs_a_confirmed_address_and_an_unblocked_account(engine):
    unconfirmed = make_user(engine)
    with db.write(engine) as s:
        row = s.get(User, unconfirmed.id)
        assert row is not None
        row.email_confirmed_at = None
        s.add(row)
    with pytest.raises(Unconfirmed):
        _tell(engine, f.get(engine, User, unconfirmed.id))
    assert stored(engine)["story"] == 0


def test_publish_only_when_the_author_consented(engine, patron, staff):
    private = tell(engine, patron, consent=False)
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.publish(db=s, actor=staff, story_id=private.id)
    assert "publish" in exc.value.errors
    assert f.get(engine, Story, private.id).published_at is None
    agreed = tell(engine, patron, consent=True)
    with db.write(engine) as s:
        services.publish(db=s, actor=staff, story_id=agreed.id)
    assert f.get(engine, Story, agreed.id).published_at is not None
    with db.write(engine) as s:
        services.unpublish(db=s, actor=staff, story_id=agreed.id)
    assert f.get(engine, Story, agreed.id).published_at is None
    actions = {a.action for a in _audit(engine)}
    assert {"publish_story", "unpublish_story"} <= actions


def test_staff_verbs_are_refused_to_patrons_and_committee(engine, patron, committee):
    story = tell(engine, patron)
    for actor in (patron, committee):
        for verb, kwargs in (
            (services.publish, {"story_id": story.id}),
            (services.code, {"story_id": story.id, "theme_ids": []}),
            (services.link, {"story_id": story.id, "decisions": "", "ideas": ""}),
            (services.add_theme, {"code": "x", "name": "X", "name_zh": "X"}),
        ):
            with pytest.raises(Forbidden), db.write(engine) as s:
                verb(db=s, actor=actor, **kwargs)
    assert f.get(engine, Story, story.id).published_at is None
    assert stored(engine)["story_theme"] == 0 and _audit(engine) == []


def test_staff_verbs_on_a_missing_story_say_not_found(engine, staff):
    with pytest.raises(NotFound), db.write(engine) as s:
        services.publish(db=s, actor=staff, story_id=999)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "has space"}, "code"),
        ({"code": "x" * 21}, "code"),
        ({"code": "time"}, "code"),  # taken
        ({"name": ""}, "name"),
        ({"name_zh": " "}, "name_zh"),
        ({"name": "n" * 81}, "name"),
    ],
)
def test_add_theme_refuses_bad_codes_and_names(engine, staff, fields, field):
    theme(engine, staff)
    values = {"code": "access", "name": "Access", "name_zh": "获取"} | fields
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.add_theme(db=s, actor=staff, **values)
    assert set(exc.value.errors) == {field}
    assert stored(engine)["story_theme"] == 1


def test_code_sets_several_themes_and_replaces_them(engine, patron, staff):
    story = tell(engine, patron)
    a, b, c = (theme(engine, staff, code, code.title()) for code in ("a", "b", "c"))
    with db.write(engine) as s:
        services.code(db=s, actor=staff, story_id=story.id, theme_ids=[str(a.id), str(b.id)])
    with db.read(engine) as s:
        assert [t.code for t in queries.themes_of(s, [story.id])[story.id]] == ["a", "b"]
    with db.write(engine) as s:
        services.code(db=s, actor=staff, story_id=story.id, theme_ids=[str(c.id)])
    with db.read(engine) as s:
        assert [t.code for t in queries.themes_of(s, [story.id])[story.id]] == ["c"]
    for bad in (["999"], ["abc"], [str(a.id), "-3"]):
        with pytest.raises(ValidationError), db.write(engine) as s:
            services.code(db=s, actor=staff, story_id=story.id, theme_ids=bad)
    with db.read(engine) as s:
        assert [t.code for t in queries.themes_of(s, [story.id])[story.id]] == ["c"]
    assert [a.action for a in _audit(engine)].count("code_story") == 2


def test_link_validates_decision_and_idea_numbers(engine, patron, staff, category):
    story = tell(engine, patron, category_id=str(category.id))
    idea = f.idea(engine, patron, category)
    decision = d.publish(engine, staff, [idea.id])
    with db.write(engine) as s:
        services.link(
            db=s, actor=staff, story_id=story.id, decisions=f"#{decision.id}", ideas=str(idea.id)
        )
    with db.read(engine) as s:
        assert queries.decision_ids(s, story.id) == [decision.id]
        assert queries.idea_ids(s, story.id) == [idea.id]
    for decisions, ideas, field in (
        ("999", "", "decisions"),
        ("", "12345", "ideas"),
        ("one", "", "decisions"),
        ("", "1.5", "ideas"),
    ):
        with pytest.raises(ValidationError) as exc, db.write(engine) as s:
            services.link(db=s, actor=staff, story_id=story.id, decisions=decisions, ideas=ideas)
        assert set(exc.value.errors) == {field}
    with db.read(engine) as s:
        assert queries.decision_ids(s, story.id) == [decision.id]
    entry = [a for a in _audit(engine) if a.action == "link_story"][0]
    assert str(decision.id) in entry.after


def _audit(engine):
    with db.read(engine) as s:
        return list(s.execute(select(AuditEntry).order_by(col(AuditEntry.id))).scalars())
