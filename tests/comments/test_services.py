"""Comments services: comment and reply (one level), staff badge and official answer, the
15-minute edit window, deletion, validation."""

from __future__ import annotations

import pytest

from portal.comments import queries, services
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.ideas.models import Idea
from tests import factories as f


@pytest.fixture
def idea(engine, other_patron, category):
    return f.idea(engine, other_patron, category)


def edit(engine, actor, comment_id, body="Changed my mind."):
    with db.write(engine) as s:
        return services.edit(db=s, actor=actor, comment_id=comment_id, body=body)


def delete(engine, actor, comment_id):
    with db.write(engine) as s:
        return services.delete(db=s, actor=actor, comment_id=comment_id)


def official(engine, actor, comment_id, flag=True):
    with db.write(engine) as s:
        return services.mark_official(db=s, actor=actor, comment_id=comment_id, official=flag)


def test_comment_is_stored_counted_and_follows_the_idea(engine, patron, idea):
    note = f.comment(engine, patron, idea.id, body="  Yes, *please*.\r\n")
    stored = f.get(engine, Comment, note.id)
    assert (stored.body, stored.author_id, stored.parent_id) == ("Yes, *please*.", patron.id, None)
    assert stored.is_staff is False and stored.is_official is False
    assert f.get(engine, Idea, idea.id).comment_count == 1
    assert patron.id in f.followers_of(engine, idea.id)


def test_comment_by_patron_is_not_a_staff_response(engine, patron, idea):
    f.comment(engine, patron, idea.id)
    assert f.get(engine, Idea, idea.id).first_response_at is None


def test_comment_by_staff_carries_the_badge_and_counts_as_a_response(engine, staff, idea):
    note = f.comment(engine, staff, idea.id)
    assert f.get(engine, Comment, note.id).is_staff is True
    assert f.get(engine, Idea, idea.id).first_response_at is not None


def test_reply_joins_the_thread_of_its_comment(engine, patron, other_patron, idea):
    top = f.comment(engine, patron, idea.id, body="Top")
    reply = f.comment(engine, other_patron, idea.id, body="Reply", parent_id=top.id)
    deeper = f.comment(engine, patron, idea.id, body="Reply to reply", parent_id=reply.id)
    assert f.get(engine, Comment, reply.id).parent_id == top.id
    assert f.get(engine, Comment, deeper.id).parent_id == top.id
    with db.read(engine) as s:
        threads = queries.threads(s, idea.id).threads
    assert [(t.comment.body, [r.body for r in t.replies]) for t in threads] == [
        ("Top", ["Reply", "Reply to reply"])
    ]
    assert f.get(engine, Idea, idea.id).comment_count == 3


def test_reply_to_a_comment_on_another_idea_is_refused(engine, patron, idea, category):
    elsewhere = f.idea(engine, patron, category, title="Another idea")
    top = f.comment(engine, patron, elsewhere.id)
    with pytest.raises(ValidationError) as caught:
        f.comment(engine, patron, idea.id, parent_id=top.id)
    assert "body" in caught.value.errors
    assert f.get(engine, Idea, idea.id).comment_count == 0


@pytest.mark.parametrize("parent", ["deleted", "missing"])
def test_reply_to_a_comment_that_is_gone_is_refused(engine, patron, idea, parent):
    top = f.comment(engine, patron, idea.id)
    if parent == "deleted":
        delete(engine, patron, top.id)
    with pytest.raises(ValidationError):
        f.comment(engine, patron, idea.id, parent_id=top.id if parent == "deleted" else 999_999)
    assert f.count(engine, Comment) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write your comment."),
        ("  \r\n\t ", "Write your comment."),
        ("x" * 5001, "Use at most 5000 characters for a comment."),
        ("Nul\x00byte", "Remove the invisible control characters from your text."),
    ],
)
def test_comment_with_bad_body_is_refused_and_nothing_stored(engine, patron, idea, body, message):
    with pytest.raises(ValidationError) as caught:
        f.comment(engine, patron, idea.id, body=body)
    assert caught.value.errors == {"body": message}
    assert f.count(engine, Comment) == 0
    assert f.get(engine, Idea, idea.id).comment_count == 0
    assert patron.id not in f.followers_of(engine, idea.id)


def test_comment_of_the_longest_allowed_length_is_stored(engine, patron, idea):
    note = f.comment(engine, patron, idea.id, body="x" * 5000)
    assert len(f.get(engine, Comment, note.id).body) == 5000


def test_comment_on_unknown_idea_is_not_found(engine, patron):
    with pytest.raises(NotFound):
        f.comment(engine, patron, 999_999)


def test_comment_by_blocked_user_is_forbidden(engine, patron, idea):
    patron.blocked_at = utcnow()
    with pytest.raises(Forbidden):
        f.comment(engine, patron, idea.id)
    assert f.count(engine, Comment) == 0


def test_official_answer_is_one_per_idea(engine, patron, staff, idea):
    first = f.comment(engine, staff, idea.id, body="First answer")
    second = f.comment(engine, patron, idea.id, body="Better answer")
    official(engine, staff, first.id)
    assert f.get(engine, Comment, first.id).is_official is True
    official(engine, staff, second.id)
    assert f.get(engine, Comment, first.id).is_official is False
    assert f.get(engine, Comment, second.id).is_official is True
    with db.read(engine) as s:
        threads = queries.threads(s, idea.id).threads
    assert threads[0].comment.id == second.id and threads[0].comment.is_official
    assert [t.comment.id for t in threads] == [second.id, first.id]


def test_official_answer_on_another_idea_stays(engine, staff, idea, patron, category):
    elsewhere = f.idea(engine, patron, category, title="Another idea")
    here = f.comment(engine, staff, idea.id)
    there = f.comment(engine, staff, elsewhere.id)
    official(engine, staff, here.id)
    official(engine, staff, there.id)
    assert f.get(engine, Comment, here.id).is_official is True


def test_official_answer_can_be_cleared(engine, staff, idea):
    note = f.comment(engine, staff, idea.id)
    official(engine, staff, note.id)
    official(engine, staff, note.id, flag=False)
    assert f.get(engine, Comment, note.id).is_official is False


def test_official_answer_by_patron_is_forbidden(engine, patron, idea):
    note = f.comment(engine, patron, idea.id)
    with pytest.raises(Forbidden):
        official(engine, patron, note.id)
    assert f.get(engine, Comment, note.id).is_official is False


def test_official_answer_on_deleted_comment_is_not_found(engine, staff, idea):
    note = f.comment(engine, staff, idea.id)
    delete(engine, staff, note.id)
    with pytest.raises(NotFound):
        official(engine, staff, note.id)


def test_edit_within_fifteen_minutes_changes_the_text(engine, patron, idea):
    note = f.comment(engine, patron, idea.id)
    f.age_comment(engine, note.id, minutes=14)
    edit(engine, patron, note.id, body="  Changed.  ")
    stored = f.get(engine, Comment, note.id)
    assert stored.body == "Changed." and stored.edited_at is not None


def test_edit_after_fifteen_minutes_is_forbidden(engine, patron, idea):
    note = f.comment(engine, patron, idea.id, body="Original")
    f.age_comment(engine, note.id, minutes=16)
    with pytest.raises(Forbidden):
        edit(engine, patron, note.id)
    stored = f.get(engine, Comment, note.id)
    assert stored.body == "Original" and stored.edited_at is None


@pytest.mark.parametrize("who", ["other_patron", "staff"])
def test_edit_of_someone_elses_comment_is_forbidden(engine, patron, idea, request, who):
    note = f.comment(engine, patron, idea.id, body="Original")
    with pytest.raises(Forbidden):
        edit(engine, request.getfixturevalue(who), note.id)
    assert f.get(engine, Comment, note.id).body == "Original"


def test_edit_with_empty_body_keeps_the_comment(engine, patron, idea):
    note = f.comment(engine, patron, idea.id, body="Original")
    with pytest.raises(ValidationError):
        edit(engine, patron, note.id, body=" ")
    assert f.get(engine, Comment, note.id).body == "Original"


def test_delete_own_comment_keeps_its_place_and_decrements_the_count(engine, patron, idea):
    note = f.comment(engine, patron, idea.id, body="Oops")
    f.comment(engine, patron, idea.id, body="Reply", parent_id=note.id)
    delete(engine, patron, note.id)
    stored = f.get(engine, Comment, note.id)
    assert stored.deleted_at is not None and stored.body == ""
    assert f.get(engine, Idea, idea.id).comment_count == 1
    with db.read(engine) as s:
        threads = queries.threads(s, idea.id).threads
        recent = queries.recent(s)
    assert threads[0].comment.id == note.id and [r.body for r in threads[0].replies] == ["Reply"]
    assert [c.body for c in recent] == ["Reply"]


def test_delete_twice_counts_once(engine, patron, idea):
    note = f.comment(engine, patron, idea.id)
    delete(engine, patron, note.id)
    with pytest.raises(Forbidden):
        delete(engine, patron, note.id)
    assert f.get(engine, Idea, idea.id).comment_count == 0


def test_delete_by_another_patron_is_forbidden(engine, patron, other_patron, idea):
    note = f.comment(engine, patron, idea.id, body="Mine")
    with pytest.raises(Forbidden):
        delete(engine, other_patron, note.id)
    stored = f.get(engine, Comment, note.id)
    assert stored.deleted_at is None and stored.body == "Mine"
    assert f.get(engine, Idea, idea.id).comment_count == 1


def test_delete_by_staff_works_and_clears_the_official_mark(engine, patron, staff, idea):
    note = f.comment(engine, patron, idea.id)
    official(engine, staff, note.id)
    delete(engine, staff, note.id)
    stored = f.get(engine, Comment, note.id)
    assert stored.deleted_at is not None and stored.is_official is False


def test_delete_or_edit_unknown_comment_is_not_found(engine, patron):
    with pytest.raises(NotFound):
        delete(engine, patron, 999_999)
    with pytest.raises(NotFound):
        edit(engine, patron, 999_999)
