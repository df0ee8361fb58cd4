"""Draft decisions and the advisory committee's advice: staff save a draft (nothing public,
nobody told), share it (members emailed in their language), members advise (only members,
only on shared drafts, one advice each), staff read the advice, publishing notifies as
always and the page shows the counts and the consented reasons with names. A draft appears in
no list, feed, API answer, search, idea history, scorecard or dashboard."""

from __future__ import annotations

import datetime
import re

import pytest
from sqlalchemy import select, update

from portal.accounts.models import User
from portal.core import db
from portal.decisions.models import Advice, Decision, DecisionDraft
from portal.notifications.models import EmailOutbox, Event
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.decisions import form
from tests.test_query_counts import statements

NEW = "/staff/decisions/new"
TITLE = "Zebracrossing hours"


def draft_page(draft_id: int) -> str:
    return f"/staff/decisions/drafts/{draft_id}"


def advise_page(draft_id: int) -> str:
    return f"/committee/drafts/{draft_id}"


@pytest.fixture
def idea(engine, patron, category):
    made = f.idea(engine, patron, category, title="Open later")
    f.vote(engine, patron, made.id)
    return made


def save_draft(client, idea, **fields) -> int:
    response = client.post(NEW, {**form([idea.id], title=TITLE, **fields), "action": "draft"})
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/staff/decisions/drafts/(\d+)", response.headers["location"])
    assert found
    return int(found.group(1))


def share(client, draft_id: int, idea) -> None:
    response = client.post(
        draft_page(draft_id), {**form([idea.id], title=TITLE), "action": "share"}
    )
    assert response.status_code == 303


def advise(client, draft_id: int, **given: str):
    return client.post(advise_page(draft_id), {"stance": "support", "reason": "Good", **given})


def test_a_draft_is_saved_without_publishing_or_telling_anyone(client, engine, staff, idea):
    login_as(client, staff)
    events, emails = f.count(engine, Event), f.count(engine, EmailOutbox)
    draft_id = save_draft(client, idea)
    assert f.count(engine, Decision) == 0
    assert (f.count(engine, Event), f.count(engine, EmailOutbox)) == (events, emails)
    page = client.get(draft_page(draft_id)).text
    assert TITLE in page and "No advice yet." in page
    assert f"{TITLE}" in client.get("/staff/decisions/drafts").text


def test_drafts_never_show_in_lists_feeds_api_search_or_figures(
    client, engine, staff, committee, idea
):
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    share(client, draft_id, idea)
    pages = [
        "/you-said-we-did",
        "/feeds/decisions.atom",
        "/api/v1/decisions",
        f"/ideas?q={TITLE.split()[0]}",
        f"/api/v1/ideas?q={TITLE.split()[0]}",
        f"/ideas/{idea.id}",
        "/scorecard",
        "/staff/assessment",
        "/staff/assessment?format=csv&table=follow_up_decisions",
        "/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert TITLE not in response.text, path
    assert client.get(f"/you-said-we-did/{draft_id}").status_code == 404
    assert '<th scope="row">Adopted</th><td>0</td>' in client.get("/scorecard").text
    client.get("/logout")
    for path in pages[:6]:
        assert TITLE not in client.get(path).text, path
    login_as(client, make_user(engine))
    assert TITLE not in client.get("/committee").text


def test_sharing_emails_each_member_in_their_language(
    client, engine, staff, committee, idea, worker, smtp_server
):
    chinese = make_user(engine, "committee", name="Li Member")
    lapsed = make_user(engine, "committee", name="Old Member")
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == chinese.id).values(locale="zh_Hans"))
        s.execute(
            update(User)
            .where(User.id == lapsed.id)
            .values(committee_until=datetime.date(2020, 1, 1))
        )
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    assert f.count(engine, EmailOutbox) == 0
    share(client, draft_id, idea)
    share(client, draft_id, idea)  # again: nobody is told twice
    while worker.step():
        pass
    assert {m["To"] for m in smtp_server.messages} == {committee.email, chinese.email}
    english = smtp_server.by_recipient(committee.email)[0]
    assert TITLE in english["Subject"] and "advice" in english["Subject"]
    assert f"/committee/drafts/{draft_id}" in english.get_content()
    zh = smtp_server.by_recipient(chinese.email)[0]
    assert "决定草案" in zh["Subject"] and TITLE in zh["Subject"]


def test_members_see_shared_drafts_and_advise_once(client, engine, staff, committee, idea):
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    client.get("/logout")
    login_as(client, committee)
    assert TITLE not in client.get("/committee").text
    assert client.get(advise_page(draft_id)).status_code == 404  # not shared yet
    assert advise(client, draft_id).status_code == 404
    client.get("/logout")
    login_as(client, staff)
    share(client, draft_id, idea)
    client.get("/logout")
    login_as(client, committee)
    assert TITLE in client.get("/committee").text
    assert advise(client, draft_id, reason="Good for exams").status_code == 303
    assert advise(client, draft_id, stance="concerns", reason="Staffing").status_code == 303
    with db.read(engine) as s:
        rows = s.execute(select(Advice)).scalars().all()
    assert [(r.member_id, r.stance, r.reason, r.consent) for r in rows] == [
        (committee.id, "concerns", "Staffing", False)
    ]
    assert "your advice: Concerns" in client.get("/committee").text


@pytest.mark.parametrize("role", ["patron", "staff", "admin"])
def test_only_committee_members_advise(client, engine, staff, idea, role):
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    share(client, draft_id, idea)
    client.get("/logout")
    login_as(client, make_user(engine, role))
    assert client.get(advise_page(draft_id)).status_code == 403
    assert advise(client, draft_id).status_code == 403
    assert f.count(engine, Advice) == 0


def test_a_lapsed_member_cannot_advise(client, engine, staff, idea):
    member = make_user(engine, "committee")
    with db.write(engine) as s:
        s.execute(
            update(User)
            .where(User.id == member.id)
            .values(committee_until=datetime.date(2020, 1, 1))
        )
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    share(client, draft_id, idea)
    client.get("/logout")
    login_as(client, member)
    assert advise(client, draft_id).status_code == 403
    assert f.count(engine, Advice) == 0


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_only_staff_draft_share_and_read_advice(client, engine, staff, idea, role):
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    client.get("/logout")
    login_as(client, make_user(engine, role))
    before = f.count(engine, DecisionDraft)
    assert client.post(NEW, {**form([idea.id]), "action": "draft"}).status_code == 403
    assert client.get(draft_page(draft_id)).status_code == 403
    for action in ("save", "share", "publish"):
        response = client.post(draft_page(draft_id), {**form([idea.id]), "action": action})
        assert response.status_code == 403
    assert client.get("/staff/decisions/drafts").status_code == 403
    assert f.count(engine, DecisionDraft) == before
    assert f.count(engine, Decision) == 0 and f.count(engine, EmailOutbox) == 0
    with db.read(engine) as s:
        assert s.get(DecisionDraft, draft_id).shared_at is None


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"stance": "veto"}, "stance"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
    ],
)
def test_bad_advice_is_named_and_kept_and_nothing_stored(
    client, engine, staff, committee, idea, given, field
):
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    share(client, draft_id, idea)
    client.get("/logout")
    login_as(client, committee)
    response = advise(client, draft_id, **given)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    if given.get("reason", "").strip():
        assert given["reason"] in response.text
    assert f.count(engine, Advice) == 0


def test_bad_draft_is_named_and_nothing_stored(client, engine, staff, idea):
    login_as(client, staff)
    response = client.post(NEW, {**form([idea.id], title=TITLE, we_did=""), "action": "draft"})
    assert response.status_code == 400 and 'id="we_did-error"' in response.text
    assert TITLE in response.text
    assert f.count(engine, DecisionDraft) == 0
    draft_id = save_draft(client, idea)
    response = client.post(
        draft_page(draft_id), {**form([idea.id], title="Changed", outcome="nope"), "action": "save"}
    )
    assert response.status_code == 400 and 'id="outcome-error"' in response.text
    with db.read(engine) as s:
        assert s.get(DecisionDraft, draft_id).title == TITLE


def test_staff_see_advice_and_publishing_shows_counts_and_consented_reasons(
    client, engine, staff, committee, idea
):
    other = make_user(engine, "committee", name="Quiet Member")
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    share(client, draft_id, idea)
    for member, given in (
        (committee, {"stance": "support", "reason": "Students *need* it", "consent": "1"}),
        (other, {"stance": "oppose", "reason": "Private worry"}),
    ):
        client.get("/logout")
        login_as(client, member)
        assert advise(client, draft_id, **given).status_code == 303
    client.get("/logout")
    login_as(client, staff)
    page = client.get(draft_page(draft_id)).text
    assert "Chen Committee" in page and "Quiet Member" in page and "Private worry" in page
    events = f.count(engine, Event)
    response = client.post(
        draft_page(draft_id), {**form([idea.id], title=TITLE), "action": "publish"}
    )
    assert response.status_code == 303
    with db.read(engine) as s:
        decision = s.execute(select(Decision)).scalar_one()
        assert s.get(DecisionDraft, draft_id).decision_id == decision.id
    assert f.count(engine, Event) == events + 1  # the decision is announced as always
    client.get("/logout")
    page = client.get(f"/you-said-we-did/{decision.id}").text
    assert "Support: 1" in page and "Oppose: 1" in page and "Concerns: 0" in page
    assert "Chen Committee" in page and "Students <em>need</em> it" in page
    assert "Private worry" not in page and "Quiet Member" not in page
    assert TITLE in client.get("/you-said-we-did").text
    login_as(client, committee)
    assert advise(client, draft_id).status_code == 404  # published: advice is closed
    assert client.get(draft_page(draft_id)).status_code == 403


def test_decision_page_reads_the_same_queries_however_much_advice(client, engine, staff, idea):
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    share(client, draft_id, idea)
    members = [make_user(engine, "committee") for _ in range(4)]
    client.get("/logout")
    login_as(client, members[0])
    advise(client, draft_id, consent="1")
    client.get("/logout")
    login_as(client, staff)
    client.post(draft_page(draft_id), {**form([idea.id], title=TITLE), "action": "publish"})
    with db.read(engine) as s:
        decision_id = s.execute(select(Decision.id)).scalar_one()
    client.get("/logout")

    def count() -> int:
        with statements(engine) as seen:
            assert client.get(f"/you-said-we-did/{decision_id}").status_code == 200
        return len(seen)

    few = count()
    with db.write(engine) as s:
        for member in members[1:]:
            s.add(
                Advice(
                    draft_id=draft_id,
                    member_id=member.id,
                    stance="oppose",
                    reason="No",
                    consent=True,
                )
            )
    assert count() == few


def test_a_members_advice_is_in_their_data_download(client, engine, staff, committee, idea):
    login_as(client, staff)
    draft_id = save_draft(client, idea)
    share(client, draft_id, idea)
    client.get("/logout")
    login_as(client, committee)
    advise(client, draft_id, reason="Mine to download")
    data = client.get("/account/export.json").json()
    assert [a["reason"] for a in data["advice"]] == ["Mine to download"]


def test_advice_given_twice_at_once_keeps_one_answer_not_an_error(
    client, engine, staff, committee, idea
):
    """The same member's advice sent twice at the same moment (two tabs, a double click): the
    second transaction finds no advice yet, inserts, and meets the first's row at the unique
    constraint (PostgreSQL; SQLite's writers take turns). It must keep one answer, the later."""
    import threading
    import time

    from portal.decisions import drafts

    login_as(client, staff)
    draft_id = save_draft(client, idea)
    share(client, draft_id, idea)
    errors: list[BaseException] = []
    first_written = threading.Event()

    def give(stance: str, hold: float) -> None:
        try:
            with db.write(engine) as s:
                actor = s.get(User, committee.id)
                assert actor is not None
                drafts.advise(
                    db=s,
                    actor=actor,
                    draft_id=draft_id,
                    stance=stance,
                    reason=stance,
                    consent=False,
                )
                first_written.set()
                time.sleep(hold)  # the other transaction reaches its insert meanwhile
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    first = threading.Thread(target=give, args=("support", 1.0))
    first.start()
    assert first_written.wait(30)
    second = threading.Thread(target=give, args=("oppose", 0))
    second.start()
    first.join(60)
    second.join(60)
    assert errors == []
    with db.read(engine) as s:
        rows = s.execute(select(Advice)).scalars().all()
    assert [(r.member_id, r.stance) for r in rows] == [(committee.id, "oppose")]
