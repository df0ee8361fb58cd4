"""Questions' writes: asking one (each field checked, nothing stored on a mistake), answering
("pick one", full and partial rankings, duplicates and gaps refused, one answer per person,
only while open), desk answers, closing, citing in a decision; each staff change audited."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from portal.accounts.models import User
from portal.choices import queries, services
from portal.choices.models import ChoiceAnswer, ChoiceQuestion, DeskAnswer
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, Unconfirmed, ValidationError
from portal.moderation.models import AuditEntry
from tests import decisions as d
from tests import factories as f
from tests.choices import answer, ask, close, form, options, ranks, stored
from tests.conftest import make_user
from tests.workshops import factories as wf


@pytest.fixture
def idea(engine, patron, category):
    return f.idea(engine, patron, category)


def test_ask_stores_the_question_and_its_options_in_order(engine, staff, idea):
    q = ask(engine, staff, idea_id=idea.id)
    row = f.get(engine, ChoiceQuestion, q.id)
    assert row.idea_id == idea.id and row.workshop_id is None and row.kind == "rank"
    with db.read(engine) as s:
        texts = [o.text for o in queries.options_of(s, [q.id])[q.id]]
    assert texts == ["Quiet rows", "Group tables", "Booths"]
    # Open from the start of the first day to the end of the last (UTC).
    assert row.closes_at - row.opens_at == timedelta(days=8)
    assert f.count(engine, AuditEntry, col(AuditEntry.action) == "ask_question") == 1


def test_ask_puts_a_question_on_a_session(engine, staff):
    w = wf.schedule(engine, staff)
    q = ask(engine, staff, workshop_id=w.id, kind="pick")
    assert f.get(engine, ChoiceQuestion, q.id).workshop_id == w.id


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"text": "  "}, "text"),
        ({"text": "x" * 201}, "text"),
        ({"text": "nul\x00"}, "text"),
        ({"kind": "vote"}, "kind"),
        ({"option_2": "", "option_3": ""}, "option_1"),
        ({"option_2": "quiet ROWS"}, "option_2"),
        ({"option_3": "", "option_3_zh": "隔间"}, "option_3"),
        ({"option_1": "o" * 121}, "option_1"),
        ({"opens": "tomorrow"}, "opens"),
        ({"closes": "2020-13-01"}, "closes"),
        ({"closes": "2000-01-01"}, "closes"),
    ],
)
def test_ask_refuses_bad_input_naming_the_field_and_storing_nothing(
    engine, staff, idea, fields, key
):
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.ask(db=s, actor=staff, form=form(**fields), idea_id=idea.id)
    assert key in exc.value.errors
    assert stored(engine)["choice_question"] == 0 and stored(engine)["choice_option"] == 0


def test_ask_takes_at_most_six_options(engine, staff, idea):
    q = ask(engine, staff, idea_id=idea.id, options=tuple(f"Layout {n}" for n in range(1, 8)))
    assert len(options(engine, q.id)) == 6  # the form has six fields; a seventh is no field


def test_ask_is_for_staff_only_and_needs_an_idea_or_a_session(
    engine, patron, committee, staff, idea
):
    for who in (patron, committee):
        with pytest.raises(Forbidden), db.write(engine) as s:
            services.ask(db=s, actor=who, form=form(), idea_id=idea.id)
    for where in (
        {},
        {"idea_id": 999_999},
        {"workshop_id": 999_999},
        {"idea_id": idea.id, "workshop_id": 1},
    ):
        with pytest.raises(NotFound), db.write(engine) as s:
            services.ask(db=s, actor=staff, form=form(), **where)
    assert stored(engine)["choice_question"] == 0


def test_answer_pick_one_stores_the_option(engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    ids = options(engine, q.id)
    assert answer(engine, patron, q.id, option=str(ids[1])) == (ids[1],)


@pytest.mark.parametrize("bad", ["", "abc", "999999", "-1", "٢"])
def test_answer_pick_one_refuses_anything_but_its_options(engine, staff, patron, idea, bad):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    with pytest.raises(ValidationError) as exc:
        answer(engine, patron, q.id, option=bad)
    assert set(exc.value.errors) == {"option"}
    assert stored(engine)["choice_answer"] == 0


def test_answer_rank_stores_a_full_and_a_partial_ranking(engine, staff, patron, other_patron, idea):
    q = ask(engine, staff, idea_id=idea.id)
    a, b, c = options(engine, q.id)
    assert answer(engine, patron, q.id, **ranks([a, b, c], 2, 3, 1)) == (c, a, b)
    assert answer(engine, other_patron, q.id, **ranks([a, b, c], None, 1, None)) == (b,)


def test_answer_rank_refuses_a_number_given_twice_beside_the_second_field(
    engine, staff, patron, idea
):
    q = ask(engine, staff, idea_id=idea.id)
    a, b, c = options(engine, q.id)
    with pytest.raises(ValidationError) as exc:
        answer(engine, patron, q.id, **ranks([a, b, c], 1, 1, 2))
    assert set(exc.value.errors) == {f"rank-{b}"}
    assert "Quiet rows" in exc.value.errors[f"rank-{b}"]
    assert stored(engine)["choice_answer"] == 0


@pytest.mark.parametrize(
    ("places", "key"),
    [
        ((None, None, None), "ranking"),  # nothing ranked
        ((1, 3, None), "ranking"),  # a gap: 2 is missing
        ((2, None, None), "ranking"),  # no first choice
        ((1, 4, None), "rank-{b}"),  # past the number of options
        ((1, "x", None), "rank-{b}"),
        ((1, "0", None), "rank-{b}"),
    ],
)
def test_answer_rank_refuses_rankings_that_are_not_1_to_k(engine, staff, patron, idea, places, key):
    q = ask(engine, staff, idea_id=idea.id)
    a, b, c = options(engine, q.id)
    values = {
        f"rank-{o}": "" if p is None else str(p) for o, p in zip((a, b, c), places, strict=True)
    }
    with pytest.raises(ValidationError) as exc:
        answer(engine, patron, q.id, **values)
    assert set(exc.value.errors) == {key.format(b=b)}
    assert stored(engine)["choice_answer"] == 0


def test_a_second_answer_replaces_the_first(engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id)
    a, b, c = options(engine, q.id)
    answer(engine, patron, q.id, **ranks([a, b, c], 1, 2, 3))
    answer(engine, patron, q.id, **ranks([a, b, c], None, None, 1))
    rows = f.count(engine, ChoiceAnswer)
    assert rows == 1
    with db.read(engine) as s:
        assert queries.answers_of(s, [q.id], patron.id) == {q.id: str(c)}


def test_answers_at_the_same_time_leave_one(engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    ids = options(engine, q.id)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda o: answer(engine, patron, q.id, option=str(o)), ids * 4))
    assert f.count(engine, ChoiceAnswer) == 1


def test_a_closed_question_and_one_not_yet_open_take_no_answers(engine, staff, patron, idea):
    later = (utcnow() + timedelta(days=3)).date().isoformat()
    waiting = ask(engine, staff, idea_id=idea.id, kind="pick", opens=later, closes=later)
    closed = ask(engine, staff, idea_id=idea.id, kind="pick")
    close(engine, closed.id)
    for q in (waiting, closed):
        with pytest.raises(ValidationError) as exc:
            answer(engine, patron, q.id, option=str(options(engine, q.id)[0]))
        assert set(exc.value.errors) == {"answer"}
    assert stored(engine)["choice_answer"] == 0


def test_answering_needs_a_confirmed_unblocked_account(engine, staff, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    unconfirmed, blocked = make_user(engine), make_user(engine)
    with db.write(engine) as s:
        s.execute(
            update(User).where(col(User.id) == unconfirmed.id).values(email_confirmed_at=None)
        )
        s.execute(update(User).where(col(User.id) == blocked.id).values(blocked_at=utcnow()))
    unconfirmed, blocked = f.get(engine, User, unconfirmed.id), f.get(engine, User, blocked.id)
    with pytest.raises(Unconfirmed):
        answer(engine, unconfirmed, q.id, option=str(options(engine, q.id)[0]))
    with pytest.raises(Forbidden):
        answer(engine, blocked, q.id, option=str(options(engine, q.id)[0]))
    assert stored(engine)["choice_answer"] == 0


def test_desk_answers_are_counted_apart_and_together(engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id)
    a, b, c = options(engine, q.id)
    answer(engine, patron, q.id, **ranks([a, b, c], 1, 2, 3))
    with db.write(engine) as s:
        services.record_desk(
            db=s, actor=staff, question_id=q.id, form={**ranks([a, b, c], 3, 1, 2), "count": "4"}
        )
    with db.read(engine) as s:
        question = queries.get(s, q.id)
        assert question is not None
        r = queries.results(
            question, queries.options_of(s, [q.id])[q.id], queries.ballots_of(s, [q.id])[q.id]
        )
    assert (r.online_n, r.desk_n) == (1, 4)
    assert r.borda["online"] == {a: 2, b: 1, c: 0}
    assert r.borda["desk"] == {a: 0, b: 8, c: 4}
    assert r.borda["total"] == {a: 2, b: 9, c: 4}
    assert r.runoff is not None and r.runoff.winner == b


def test_desk_answers_for_pick_one_take_a_count_per_option(engine, staff, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    a, b, c = options(engine, q.id)
    with db.write(engine) as s:
        services.record_desk(
            db=s,
            actor=staff,
            question_id=q.id,
            form={f"count-{a}": "3", f"count-{b}": "", f"count-{c}": "1"},
        )
    with db.read(engine) as s:
        assert sorted(queries.ballots_of(s, [q.id])[q.id][1]) == sorted([((a,), 3), ((c,), 1)])


@pytest.mark.parametrize("bad", ["-1", "1.5", "lots", "100001"])
def test_desk_answers_refuse_a_count_that_is_not_a_whole_number(engine, staff, idea, bad):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    a = options(engine, q.id)[0]
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.record_desk(db=s, actor=staff, question_id=q.id, form={f"count-{a}": bad})
    assert set(exc.value.errors) == {f"count-{a}"}
    assert f.count(engine, DeskAnswer) == 0


def test_desk_answers_are_for_staff_only(engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    a = options(engine, q.id)[0]
    with pytest.raises(Forbidden), db.write(engine) as s:
        services.record_desk(db=s, actor=patron, question_id=q.id, form={f"count-{a}": "2"})
    assert f.count(engine, DeskAnswer) == 0


def test_close_ends_answers_now_and_is_audited(engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    with db.write(engine) as s:
        services.close(db=s, actor=staff, question_id=q.id)
    with pytest.raises(ValidationError):
        answer(engine, patron, q.id, option=str(options(engine, q.id)[0]))
    assert f.count(engine, AuditEntry, col(AuditEntry.action) == "close_question") == 1
    with pytest.raises(Forbidden), db.write(engine) as s:
        services.close(db=s, actor=patron, question_id=q.id)


def test_cite_links_a_decision_once(engine, staff, idea):
    q = ask(engine, staff, idea_id=idea.id)
    decision = d.publish(engine, staff)
    for _ in range(2):
        with db.write(engine) as s:
            services.cite(db=s, actor=staff, question_id=q.id, decision=f"#{decision.id}")
    with db.read(engine) as s:
        assert [c.id for c in queries.cited_by(s, decision.id)] == [q.id]
        assert queries.decision_ids(s, q.id) == [decision.id]


@pytest.mark.parametrize("bad", ["", "abc", "999999", "1e3"])
def test_cite_refuses_what_is_no_decision(engine, staff, idea, bad):
    q = ask(engine, staff, idea_id=idea.id)
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.cite(db=s, actor=staff, question_id=q.id, decision=bad)
    assert set(exc.value.errors) == {"decision"}
    assert stored(engine)["choice_evidence"] == 0


def test_answer_rows_name_only_the_questions_options(engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id)
    other = ask(engine, staff, idea_id=idea.id)
    a = options(engine, q.id)[0]
    foreign = options(engine, other.id)[0]
    with pytest.raises(ValidationError):
        answer(engine, patron, q.id, **{f"rank-{foreign}": "1"})
    answer(engine, patron, q.id, **{f"rank-{a}": "1"})
    with db.read(engine) as s:
        assert list(s.execute(select(ChoiceAnswer.ranking)).scalars()) == [str(a)]
