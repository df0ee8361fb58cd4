"""Moderation services without HTTP: reporting (once each), the staff queue, hiding, restoring
and dismissing, blocking and unblocking people, role changes, and the audit entry that every
staff and admin action writes, in its own domain's service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.decisions import services as decisions
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from portal.moderation import audit, queries, services
from portal.moderation.models import AuditEntry, Flag
from portal.votes import services as votes
from portal.workshops import services as workshops
from tests import factories as f
from tests.conftest import make_user
from tests.decisions import form as decision_form
from tests.moderation import entries, flags, hide, only_entry, report, sessions_of, state


@pytest.fixture
def idea(engine, patron, category):
    return f.idea(engine, patron, category, title="Open the library until ten")


@pytest.fixture
def comment(engine, patron, idea):
    return f.comment(engine, patron, idea.id, body="Evenings are when I can come.")


def session_form(days: float = 5, **fields: str) -> dict[str, str]:
    """A complete scheduling form for a session `days` from now (times in UTC)."""
    start = (utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)
    return {
        "title": "Evening opening: what would help?",
        "kind": "workshop",
        "description": "We look at the evening ideas together.",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",
        "place": "Main library, room 2.14",
        "online_link": "",
        "capacity": "12",
        "audience": "public",
        "agenda": "",
        **fields,
    }


def schedule(engine, staff, **fields: str):  # noqa: ANN001, ANN201
    with db.write(engine) as s:
        return workshops.schedule(
            db=s, actor=staff, form=session_form(**fields), default_zone="UTC"
        )


def block(engine, actor, user_id: int, reason: str = "Spam, again and again") -> User:  # noqa: ANN001
    with db.write(engine) as s:
        return services.set_blocked(db=s, actor=actor, user_id=user_id, blocked=True, reason=reason)


def unblock(engine, actor, user_id: int) -> User:  # noqa: ANN001
    with db.write(engine) as s:
        return services.set_blocked(db=s, actor=actor, user_id=user_id, blocked=False)


def signed_in(engine, user) -> None:  # noqa: ANN001
    """Give `user` a login session, as signing in would."""
    from portal.accounts import auth

    with db.write(engine) as s:
        auth.start_session(s, user)


# -- reports ---------------------------------------------------------------------------------


def test_flag_stores_a_report_about_an_idea_with_its_reason(engine, other_patron, idea):
    assert report(engine, other_patron, "idea", idea.id, "  Not   about the library ") is True
    [row] = flags(engine)
    assert (row.target_type, row.target_id, row.user_id) == ("idea", idea.id, other_patron.id)
    assert row.reason == "Not about the library"
    assert row.resolved_at is None and row.resolution == ""


def test_flag_stores_a_report_about_a_comment(engine, other_patron, comment):
    assert report(engine, other_patron, "comment", comment.id, "Rude") is True
    assert [(r.target_type, r.target_id) for r in flags(engine)] == [("comment", comment.id)]


def test_flag_twice_by_the_same_person_is_a_no_op(engine, other_patron, idea):
    assert report(engine, other_patron, "idea", idea.id, "Spam") is True
    assert report(engine, other_patron, "idea", idea.id, "Spam, really") is False
    assert [r.reason for r in flags(engine)] == ["Spam"]


def test_flag_by_two_people_makes_two_reports(engine, other_patron, committee, idea):
    report(engine, other_patron, "idea", idea.id, "Spam")
    report(engine, committee, "idea", idea.id, "Advertising")
    assert [r.user_id for r in flags(engine)] == [other_patron.id, committee.id]


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_flag_without_a_reason_is_refused_and_stores_nothing(engine, other_patron, idea, reason):
    with pytest.raises(ValidationError) as caught:
        report(engine, other_patron, "idea", idea.id, reason)
    assert caught.value.errors == {"reason": "Say briefly what is wrong."}
    assert flags(engine) == []


def test_flag_with_a_reason_too_long_is_refused(engine, other_patron, idea):
    with pytest.raises(ValidationError) as caught:
        report(engine, other_patron, "idea", idea.id, "x" * 501)
    assert "500" in caught.value.errors["reason"]
    assert flags(engine) == []


@pytest.mark.parametrize(
    ("target_type", "target_id"),
    [("idea", 999), ("comment", 999), ("user", 1), ("", 1), ("idea", 0), ("idea", 2**40)],
)
def test_flag_of_something_that_does_not_exist_is_not_found(
    engine, other_patron, idea, target_type, target_id
):
    with pytest.raises(NotFound):
        report(engine, other_patron, target_type, target_id, "Spam")
    assert flags(engine) == []


def test_flag_of_a_deleted_comment_is_not_found(engine, patron, other_patron, comment):
    with db.write(engine) as s:
        comments.delete(db=s, actor=patron, comment_id=comment.id)
    with pytest.raises(NotFound):
        report(engine, other_patron, "comment", comment.id, "Rude")


def test_flag_by_a_blocked_person_is_forbidden(engine, staff, other_patron, idea):
    blocked = block(engine, staff, other_patron.id)
    with pytest.raises(Forbidden):
        report(engine, blocked, "idea", idea.id, "Spam")
    assert flags(engine) == []


# -- the queue -------------------------------------------------------------------------------


def test_queue_groups_reports_per_target_oldest_first(
    engine, patron, other_patron, committee, idea, comment
):
    report(engine, other_patron, "comment", comment.id, "Rude")
    report(engine, other_patron, "idea", idea.id, "Spam")
    report(engine, committee, "comment", comment.id, "Off topic")
    with db.read(engine) as s:
        items = queries.queue(s)
    assert [(i.target_type, i.target_id) for i in items] == [
        ("comment", comment.id),
        ("idea", idea.id),
    ]
    first = items[0]
    assert first.reasons == ["Rude", "Off topic"]
    assert (first.idea_id, first.idea.title, first.author_id) == (idea.id, idea.title, patron.id)
    assert first.text == "Evenings are when I can come." and first.hidden is False


def test_queue_leaves_out_resolved_reports(engine, staff, other_patron, idea, comment):
    report(engine, other_patron, "idea", idea.id, "Spam")
    report(engine, other_patron, "comment", comment.id, "Rude")
    with db.write(engine) as s:
        services.dismiss(db=s, actor=staff, target_type="idea", target_id=idea.id)
    with db.read(engine) as s:
        assert [(i.target_type, i.target_id) for i in queries.queue(s)] == [("comment", comment.id)]
        assert services.open_flag_targets(s) == [("comment", comment.id)]


# -- hide, restore, dismiss ------------------------------------------------------------------


def test_hide_an_idea_stores_the_reason_resolves_reports_and_is_audited(
    engine, staff, other_patron, idea
):
    report(engine, other_patron, "idea", idea.id, "Spam")
    hide(engine, staff, "idea", idea.id, "  Advertising  a shop ")
    row = f.get(engine, Idea, idea.id)
    assert row.hidden_at is not None and row.hidden_reason == "Advertising a shop"
    [flag] = flags(engine)
    assert flag.resolved_at is not None and flag.resolution == "hidden"
    entry = only_entry(engine, "hide")
    assert (entry.actor_id, entry.actor_name) == (staff.id, "Sam Staff")
    assert (entry.target_type, entry.target_id) == ("idea", idea.id)
    assert state(entry.before) == {"hidden_at": None, "hidden_reason": ""}
    assert state(entry.after) == {"hidden_reason": "Advertising a shop"}


def test_hide_a_comment_stores_the_reason_and_is_audited(engine, staff, comment):
    hide(engine, staff, "comment", comment.id, "Personal details")
    row = f.get(engine, Comment, comment.id)
    assert row.hidden_at is not None and row.hidden_reason == "Personal details"
    assert row.body == "Evenings are when I can come."  # kept, so it can be restored
    entry = only_entry(engine, "hide")
    assert (entry.target_type, entry.target_id) == ("comment", comment.id)


def comments_shown(engine, idea_id: int) -> int:
    return f.get(engine, Idea, idea_id).comment_count


def test_hiding_a_comment_takes_it_off_the_count_and_restoring_puts_it_back(
    engine, staff, patron, idea, comment
):
    f.comment(engine, patron, idea.id, body="A second one.")
    assert comments_shown(engine, idea.id) == 2
    hide(engine, staff, "comment", comment.id, "Personal details")
    assert comments_shown(engine, idea.id) == 1
    hide(engine, staff, "comment", comment.id, "Personal details, and rude")  # a new reason
    assert comments_shown(engine, idea.id) == 1
    assert f.counter_mismatches(engine) == []
    for _ in range(2):  # restoring twice counts it back once
        with db.write(engine) as s:
            services.restore(db=s, actor=staff, target_type="comment", target_id=comment.id)
    assert comments_shown(engine, idea.id) == 2
    assert f.counter_mismatches(engine) == []


def test_deleting_a_hidden_comment_counts_it_off_only_once(engine, staff, patron, idea, comment):
    hide(engine, staff, "comment", comment.id, "Spam")
    with db.write(engine) as s:
        comments.delete(db=s, actor=patron, comment_id=comment.id)
    assert comments_shown(engine, idea.id) == 0
    assert f.counter_mismatches(engine) == []


def test_hiding_or_restoring_an_idea_leaves_its_comment_count(engine, staff, idea, comment):
    hide(engine, staff, "idea", idea.id, "Spam")
    with db.write(engine) as s:
        services.restore(db=s, actor=staff, target_type="idea", target_id=idea.id)
    assert comments_shown(engine, idea.id) == 1


def test_hide_without_a_reason_is_refused_and_changes_nothing(engine, staff, idea):
    with pytest.raises(ValidationError) as caught:
        hide(engine, staff, "idea", idea.id, " ")
    assert "reason" in caught.value.errors
    assert f.get(engine, Idea, idea.id).hidden_at is None
    assert entries(engine) == []


def test_restore_shows_the_content_again_and_is_audited(engine, staff, admin, idea):
    hide(engine, staff, "idea", idea.id, "Spam")
    with db.write(engine) as s:
        services.restore(db=s, actor=admin, target_type="idea", target_id=idea.id)
    row = f.get(engine, Idea, idea.id)
    assert row.hidden_at is None and row.hidden_reason == ""
    entry = only_entry(engine, "restore")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "idea", idea.id)
    assert state(entry.before)["hidden_reason"] == "Spam"
    assert state(entry.before)["hidden_at"]
    assert state(entry.after) == {"hidden_at": None}


def test_dismiss_resolves_every_open_report_and_is_audited(
    engine, staff, other_patron, committee, comment
):
    report(engine, other_patron, "comment", comment.id, "Rude")
    report(engine, committee, "comment", comment.id, "Mean")
    with db.write(engine) as s:
        services.dismiss(db=s, actor=staff, target_type="comment", target_id=comment.id)
    assert {(r.resolution, r.resolved_at is not None) for r in flags(engine)} == {
        ("dismissed", True)
    }
    assert f.get(engine, Comment, comment.id).hidden_at is None
    entry = only_entry(engine, "dismiss_flags")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (staff.id, "comment", comment.id)


@pytest.mark.parametrize("who", ["patron", "other_patron", "committee"])
@pytest.mark.parametrize("verb", ["hide", "restore", "dismiss"])
def test_moderation_by_someone_not_on_staff_is_forbidden_and_changes_nothing(
    request, engine, staff, idea, verb, who
):
    if verb == "restore":
        hide(engine, staff, "idea", idea.id, "Spam")
    actor = request.getfixturevalue(who)
    before = f.get(engine, Idea, idea.id).model_dump()
    audited = len(entries(engine))
    args = {"target_type": "idea", "target_id": idea.id}
    if verb == "hide":
        args["reason"] = "Mine now"
    with pytest.raises(Forbidden), db.write(engine) as s:
        getattr(services, verb)(db=s, actor=actor, **args)
    assert f.get(engine, Idea, idea.id).model_dump() == before
    assert len(entries(engine)) == audited


def test_moderation_of_something_that_does_not_exist_is_not_found(engine, staff):
    for verb, extra in (("hide", {"reason": "Spam"}), ("restore", {}), ("dismiss", {})):
        with pytest.raises(NotFound), db.write(engine) as s:
            getattr(services, verb)(db=s, actor=staff, target_type="idea", target_id=42, **extra)
    assert entries(engine) == []


# -- blocking --------------------------------------------------------------------------------


def test_block_ends_every_session_and_is_audited(engine, staff, patron):
    signed_in(engine, patron)
    signed_in(engine, patron)
    assert sessions_of(engine, patron.id) == 2
    block(engine, staff, patron.id, "Spam, again and again")
    assert f.get(engine, User, patron.id).blocked_at is not None
    assert sessions_of(engine, patron.id) == 0
    entry = only_entry(engine, "block")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (staff.id, "user", patron.id)
    assert state(entry.before) == {"blocked_at": None}
    after = state(entry.after)
    assert after["reason"] == "Spam, again and again" and after["blocked_at"]


def test_blocked_person_cannot_sign_in(engine, staff, patron):
    from tests.conftest import PASSWORD

    block(engine, staff, patron.id)
    with pytest.raises(ValidationError) as caught, db.write(engine) as s:
        accounts.authenticate(db=s, email=patron.email, password=PASSWORD)
    assert "blocked" in caught.value.errors["email"]


def test_blocked_person_cannot_propose_vote_comment_register_or_edit(
    engine, staff, patron, other_patron, category
):
    theirs = f.idea(engine, patron, category, title="Mine")
    others = f.idea(engine, other_patron, category, title="Theirs")
    workshop = schedule(engine, staff)
    blocked = block(engine, staff, patron.id)
    calls = {
        "propose": lambda s: ideas.propose(
            db=s, actor=blocked, title="More", body="Please", category_id=category.id
        ),
        "edit": lambda s: ideas.edit(
            db=s, actor=blocked, idea_id=theirs.id, title="X", body="Y", category_id=category.id
        ),
        "vote": lambda s: votes.vote(db=s, actor=blocked, idea_id=others.id),
        "comment": lambda s: comments.add(db=s, actor=blocked, idea_id=others.id, body="Hi"),
        "register": lambda s: workshops.register(db=s, actor=blocked, workshop_id=workshop.id),
    }
    before = {t: f.count(engine, m) for t, m in (("idea", Idea), ("comment", Comment))}
    refused = []
    for name, call in calls.items():
        with pytest.raises(Forbidden), db.write(engine) as s:
            call(s)
        refused.append(name)
    assert refused == list(calls)
    assert {t: f.count(engine, m) for t, m in (("idea", Idea), ("comment", Comment))} == before
    assert f.votes_of(engine, others.id) == set()
    assert f.get(engine, Idea, theirs.id).title == "Mine"


def test_unblock_lets_the_person_sign_in_again_and_is_audited(engine, staff, patron):
    from tests.conftest import PASSWORD

    block(engine, staff, patron.id)
    unblock(engine, staff, patron.id)
    assert f.get(engine, User, patron.id).blocked_at is None
    with db.write(engine) as s:
        assert accounts.authenticate(db=s, email=patron.email, password=PASSWORD).id == patron.id
    entry = only_entry(engine, "unblock")
    assert state(entry.before)["blocked_at"] and state(entry.after)["blocked_at"] is None


def test_block_without_a_reason_is_refused(engine, staff, patron):
    with pytest.raises(ValidationError):
        block(engine, staff, patron.id, reason="  ")
    assert f.get(engine, User, patron.id).blocked_at is None
    assert entries(engine) == []


def test_staff_block_a_committee_member(engine, staff, committee):
    block(engine, staff, committee.id)
    assert f.get(engine, User, committee.id).blocked_at is not None


@pytest.mark.parametrize(
    ("actor", "person"),
    [
        ("staff", "staff"),  # themselves
        ("staff", "other_staff"),
        ("staff", "admin"),
        ("admin", "admin"),  # themselves
        ("admin", "other_admin"),
        ("patron", "other_patron"),
        ("committee", "patron"),
    ],
)
def test_block_is_forbidden_for_these_people(request, engine, actor, person):
    people = {
        "other_staff": lambda: make_user(engine, "staff"),
        "other_admin": lambda: make_user(engine, "admin"),
    }
    who = request.getfixturevalue(actor)
    target = people[person]() if person in people else request.getfixturevalue(person)
    with pytest.raises(Forbidden):
        block(engine, who, target.id)
    with pytest.raises(Forbidden):
        unblock(engine, who, target.id)
    assert f.get(engine, User, target.id).blocked_at is None
    assert entries(engine) == []


def test_admin_blocks_staff(engine, admin, staff):
    signed_in(engine, staff)
    block(engine, admin, staff.id)
    assert f.get(engine, User, staff.id).blocked_at is not None
    assert sessions_of(engine, staff.id) == 0


def test_block_of_someone_who_does_not_exist_is_not_found(engine, staff):
    with pytest.raises(NotFound):
        block(engine, staff, 999)
    with pytest.raises(NotFound):
        block(engine, staff, 2**40)


# -- roles -----------------------------------------------------------------------------------


def test_set_role_by_an_admin_ends_the_sessions_and_is_audited(engine, admin, patron):
    signed_in(engine, patron)
    with db.write(engine) as s:
        accounts.set_role(db=s, actor=admin, user_id=patron.id, role="staff")
    assert f.get(engine, User, patron.id).role == "staff"
    assert sessions_of(engine, patron.id) == 0
    entry = only_entry(engine, "set_role")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "user", patron.id)
    assert (state(entry.before), state(entry.after)) == ({"role": "patron"}, {"role": "staff"})


@pytest.mark.parametrize("who", ["staff", "committee", "patron"])
def test_set_role_by_anyone_but_an_admin_is_forbidden(request, engine, other_patron, who):
    actor = request.getfixturevalue(who)
    signed_in(engine, other_patron)
    with pytest.raises(Forbidden), db.write(engine) as s:
        accounts.set_role(db=s, actor=actor, user_id=other_patron.id, role="admin")
    assert f.get(engine, User, other_patron.id).role == "patron"
    assert sessions_of(engine, other_patron.id) == 1
    assert entries(engine) == []


def test_set_role_to_something_that_is_not_a_role_is_refused(engine, admin, patron):
    with pytest.raises(ValidationError), db.write(engine) as s:
        accounts.set_role(db=s, actor=admin, user_id=patron.id, role="owner")
    assert f.get(engine, User, patron.id).role == "patron"


# -- the audit log of other domains' staff actions --------------------------------------------


def test_status_change_is_audited(engine, staff, idea):
    with db.write(engine) as s:
        ideas.change_status(
            db=s, actor=staff, idea_id=idea.id, status="planned", response="Next spring"
        )
    entry = only_entry(engine, "change_status")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (staff.id, "idea", idea.id)
    assert state(entry.before) == {"status": "new"}
    assert state(entry.after) == {
        "status": "planned",
        "response": "Next spring",
        "duplicate_of": None,
    }


def test_publishing_a_decision_is_audited(engine, staff, idea):
    with db.write(engine) as s:
        decision = decisions.publish(db=s, actor=staff, form=decision_form([idea.id]))
    entry = only_entry(engine, "publish_decision")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        staff.id,
        "decision",
        decision.id,
    )
    after = state(entry.after)
    assert after["title"] == "Longer opening hours" and after["ideas"] == [idea.id]
    assert after["outcome"] == "adopted"
    # Moving the linked idea's status is a staff action of its own.
    assert only_entry(engine, "change_status").target_id == idea.id


def test_scheduling_and_cancelling_a_session_are_audited(engine, staff, admin):
    workshop = schedule(engine, staff, title="Makerspace evening")
    entry = only_entry(engine, "schedule_session")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        staff.id,
        "session",
        workshop.id,
    )
    assert state(entry.after)["title"] == "Makerspace evening"
    with db.write(engine) as s:
        workshops.cancel_workshop(db=s, actor=admin, workshop_id=workshop.id)
    cancelled = only_entry(engine, "cancel_session")
    assert (cancelled.actor_id, cancelled.target_id) == (admin.id, workshop.id)


def test_marking_attendance_is_audited(engine, staff, patron, other_patron):
    workshop = schedule(engine, staff)
    for person in (patron, other_patron):
        with db.write(engine) as s:
            workshops.register(db=s, actor=person, workshop_id=workshop.id)
    with db.write(engine) as s:
        workshops.record_attendance(
            db=s, actor=staff, workshop_id=workshop.id, attended_user_ids={patron.id}
        )
    entry = only_entry(engine, "record_attendance")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        staff.id,
        "session",
        workshop.id,
    )
    assert state(entry.after) == {"attended": [patron.id]}


def test_official_answer_is_audited(engine, staff, comment):
    with db.write(engine) as s:
        comments.mark_official(db=s, actor=staff, comment_id=comment.id)
    entry = only_entry(engine, "mark_official")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        staff.id,
        "comment",
        comment.id,
    )
    assert state(entry.after) == {"official": True}


def test_set_committee_is_audited(engine, admin, patron):
    with db.write(engine) as s:
        accounts.set_committee(
            db=s, actor=admin, email=patron.email, member=True, until="2031-03-31"
        )
    entry = only_entry(engine, "set_committee")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "user", patron.id)
    assert state(entry.before) == {"role": "patron", "committee_until": None}
    assert state(entry.after) == {"role": "committee", "committee_until": "2031-03-31"}


def test_patrons_own_actions_are_not_audited(engine, patron, other_patron, idea, comment):
    # The log is for staff and admin actions: a patron's vote, comment or report is not one.
    f.vote(engine, other_patron, idea.id)
    f.comment(engine, other_patron, idea.id)
    report(engine, other_patron, "comment", comment.id, "Rude")
    assert entries(engine) == []


def test_audit_entries_are_listed_newest_first_a_page_at_a_time(engine, staff, idea):
    with db.write(engine) as s:
        for n in range(audit.PER_PAGE + 3):
            audit.record(s, staff, f"test_{n}", "idea", idea.id)
    with db.read(engine) as s:
        first, more = audit.entries(s, 1)
        second, last = audit.entries(s, 2)
    assert len(first) == audit.PER_PAGE and more is True
    assert first[0].action == f"test_{audit.PER_PAGE + 2}"
    assert [e.action for e in second] == ["test_2", "test_1", "test_0"] and last is False


def test_audit_keeps_the_actor_name_when_the_account_is_gone(engine, staff, idea):
    hide(engine, staff, "idea", idea.id, "Spam")
    with db.write(engine) as s:
        s.delete(s.get(User, staff.id))
    entry = only_entry(engine, "hide")
    assert entry.actor_id is None and entry.actor_name == "Sam Staff"


def test_audit_module_offers_no_way_to_change_or_delete_an_entry():
    public = {
        name
        for name in vars(audit)
        if not name.startswith("_")
        and callable(getattr(audit, name))
        and getattr(getattr(audit, name), "__module__", "") == audit.__name__
    }
    assert public == {"record", "entries"}
    assert AuditEntry.__tablename__ == "audit_log"
    assert Flag.__tablename__ == "flag"
