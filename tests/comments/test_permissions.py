"""Who may comment on an idea, edit or delete a comment, and mark the official answer: asked
of each comment, with the author, another patron, staff and a visitor."""

from __future__ import annotations

from portal.comments import permissions
from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core import db
from portal.ideas import services as ideas
from tests import factories as f


def _comment(engine, author, category) -> Comment:
    idea = f.idea(engine, author, category)
    return f.comment(engine, author, idea.id, body="Evenings, please.")


def test_can_edit_only_ones_own_comment(engine, patron, other_patron, staff, admin, category):
    comment = _comment(engine, patron, category)
    assert permissions.can_edit(patron, comment)
    assert not permissions.can_edit(other_patron, comment)
    # Staff delete or hide other people's words; they never rewrite them.
    assert not permissions.can_edit(staff, comment)
    assert not permissions.can_edit(admin, comment)
    assert not permissions.can_edit(None, comment)


def test_can_edit_ends_fifteen_minutes_after_posting(engine, patron, category):
    comment = _comment(engine, patron, category)
    f.age_comment(engine, comment.id, minutes=14)
    assert permissions.can_edit(patron, f.get(engine, Comment, comment.id))
    f.age_comment(engine, comment.id, minutes=16)
    assert not permissions.can_edit(patron, f.get(engine, Comment, comment.id))


def test_can_delete_own_or_as_staff(engine, patron, other_patron, committee, staff, category):
    comment = _comment(engine, patron, category)
    assert permissions.can_delete(patron, comment)
    assert permissions.can_delete(staff, comment)
    assert not permissions.can_delete(other_patron, comment)
    assert not permissions.can_delete(committee, comment)
    assert not permissions.can_delete(None, comment)


def test_deleted_comment_is_neither_edited_nor_deleted_again(engine, patron, staff, category):
    comment = _comment(engine, patron, category)
    with db.write(engine) as s:
        comments.delete(db=s, actor=patron, comment_id=comment.id)
    gone = f.get(engine, Comment, comment.id)
    for user in (patron, staff):
        assert not permissions.can_edit(user, gone)
        assert not permissions.can_delete(user, gone)


def test_can_comment_on_a_hidden_idea_only_as_staff(engine, patron, staff, admin, category):
    idea = f.idea(engine, patron, category)
    assert permissions.can_comment_on(patron, idea)
    with db.write(engine) as s:
        ideas.hide(db=s, idea_id=idea.id, reason="Personal details")
    hidden = f.get(engine, type(idea), idea.id)
    assert not permissions.can_comment_on(patron, hidden)  # its own author included
    assert permissions.can_comment_on(staff, hidden)
    assert permissions.can_comment_on(admin, hidden)


def test_can_mark_official_only_as_staff(patron, committee, staff, admin):
    assert permissions.can_mark_official(staff)
    assert permissions.can_mark_official(admin)
    assert not permissions.can_mark_official(patron)
    assert not permissions.can_mark_official(committee)
    assert not permissions.can_mark_official(None)
