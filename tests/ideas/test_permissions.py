"""An idea is frozen for its author from the first staff response of any kind: a status
change (with or without text, even to the same status), a staff comment or reply, an official
answer, a decision that links the idea. Staff can still edit it; nothing else freezes it."""

from __future__ import annotations

import pytest

from portal.comments import services as comments
from portal.core import db
from portal.core.errors import Forbidden
from portal.ideas import permissions, services
from portal.ideas.models import Idea
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import publish

EDITED = {"title": "Rewritten after the answer", "body": "Something else entirely."}


def _status(engine, staff, idea, other) -> None:
    with db.write(engine) as s:
        services.change_status(db=s, actor=staff, idea_id=idea.id, status="under_review")


def _response_alone(engine, staff, idea, other) -> None:
    with db.write(engine) as s:
        services.change_status(
            db=s, actor=staff, idea_id=idea.id, status="new", response="We have read this."
        )


def _staff_comment(engine, staff, idea, other) -> None:
    f.comment(engine, staff, idea.id, body="Thank you, we are looking into it.")


def _staff_reply(engine, staff, idea, other) -> None:
    question = f.comment(engine, other, idea.id, body="Would Sundays count?")
    f.comment(engine, staff, idea.id, body="They would.", parent_id=question.id)


def _official_answer(engine, staff, idea, other) -> None:
    answer = f.comment(engine, other, idea.id, body="The library said yes at the meeting.")
    with db.write(engine) as s:
        comments.mark_official(db=s, actor=staff, comment_id=answer.id)


def _decision(engine, staff, idea, other) -> None:
    publish(engine, staff, [idea.id], move_status="0")


def _duplicate(engine, staff, idea, other) -> None:
    with db.write(engine) as s:
        original = services.propose(
            db=s, actor=other, title="The first one", body=f.BODY, category_id=idea.category_id
        )
        services.change_status(
            db=s, actor=staff, idea_id=idea.id, status="duplicate", duplicate_of=original.id
        )


RESPONSES = [
    _status,
    _response_alone,
    _staff_comment,
    _staff_reply,
    _official_answer,
    _decision,
    _duplicate,
]


def _edit(engine, actor, idea, category) -> None:
    with db.write(engine) as s:
        services.edit(db=s, actor=actor, idea_id=idea.id, category_id=category.id, **EDITED)


@pytest.mark.parametrize("respond", RESPONSES, ids=lambda r: r.__name__.strip("_"))
def test_first_staff_response_freezes_the_idea_for_its_author(
    engine, patron, other_patron, staff, category, respond
):
    idea = f.idea(engine, patron, category)
    respond(engine, staff, idea, other_patron)
    stored = f.get(engine, Idea, idea.id)
    assert stored.first_response_at is not None
    with pytest.raises(Forbidden):
        _edit(engine, patron, idea, category)
    after = f.get(engine, Idea, idea.id)
    assert (after.title, after.body, after.updated_at) == (idea.title, idea.body, stored.updated_at)
    _edit(engine, staff, idea, category)  # staff still can
    assert f.get(engine, Idea, idea.id).title == EDITED["title"]


def test_other_peoples_votes_and_comments_do_not_freeze_an_idea(
    engine, patron, other_patron, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    note = f.comment(engine, other_patron, idea.id, body="Me too.")
    f.comment(engine, patron, idea.id, body="Thanks!", parent_id=note.id)
    assert f.get(engine, Idea, idea.id).first_response_at is None
    _edit(engine, patron, idea, category)
    assert f.get(engine, Idea, idea.id).title == EDITED["title"]


def test_after_a_staff_comment_the_author_has_no_edit_button_and_a_post_is_refused(
    client, engine, patron, staff, category
):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    assert "Edit idea" in client.get(f"/ideas/{idea.id}").text
    _staff_comment(engine, staff, idea, None)

    assert "Edit idea" not in client.get(f"/ideas/{idea.id}").text
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403
    response = client.post(f"/ideas/{idea.id}/edit", {**EDITED, "category_id": str(category.id)})
    assert response.status_code == 403
    stored = f.get(engine, Idea, idea.id)
    assert (stored.title, stored.body) == (idea.title, idea.body)


def test_after_a_staff_comment_staff_still_edit_through_the_page(
    client, engine, patron, staff, category
):
    idea = f.idea(engine, patron, category)
    _staff_comment(engine, staff, idea, None)
    login_as(client, staff)
    assert "Edit idea" in client.get(f"/ideas/{idea.id}").text
    response = client.post(f"/ideas/{idea.id}/edit", {**EDITED, "category_id": str(category.id)})
    assert response.status_code == 303
    assert f.get(engine, Idea, idea.id).title == EDITED["title"]


def test_can_propose_for_library_only_as_staff(patron, committee, staff, admin):
    assert permissions.can_propose_for_library(staff)
    assert permissions.can_propose_for_library(admin)
    for user in (patron, committee, None):
        assert not permissions.can_propose_for_library(user)


def test_library_proposal_from_a_patron_is_a_patron_idea(engine, patron, staff, category):
    with db.write(engine) as s:
        mine = services.propose(
            db=s,
            actor=patron,
            title="Longer hours",
            body="x",
            category_id=category.id,
            library_proposal=True,
        )
        ours = services.propose(
            db=s,
            actor=staff,
            title="Quiet room",
            body="y",
            category_id=category.id,
            library_proposal=True,
        )
    assert (mine.origin, ours.origin) == ("patron", "library")
