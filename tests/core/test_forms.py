"""Every number read from a form, an address or a query string follows one rule
(portal/core/forms.py): ASCII digits only, and no larger than what it may name. Python's int() would
also read "١٢" (Arabic-Indic), "１２" (full width), "²", "1_2" and "+12", and refuses more than
4,300 digits with a ValueError; a number past 2**31 - 1 overflows PostgreSQL's integer.

Each form gets such a number where a real one would go: the answer is a message next to the
field (or "not found" for an address or a hidden field no person types), the text is kept and
nothing is stored.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.comments.models import Comment
from portal.core import db
from portal.core.forms import id_list, number, page
from portal.decisions.models import FollowUp
from portal.ideas.models import Idea, StatusChange
from portal.moderation.models import Flag
from portal.web.routing import every_route
from portal.workshops.models import Registration, Workshop
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import publish
from tests.workshops import factories as w

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def lookalikes(n: int) -> list[str]:
    """Ways to write `n` that int() reads as n, or that int() cannot read at all, but which
    are not plain ASCII digits."""
    text = str(n)
    return [
        text.translate(ARABIC),
        text.translate(FULL_WIDTH),
        text.translate(SUPERSCRIPT),
        f"+{text}",
        f"{text[0]}_{text[1:]}" if len(text) > 1 else f"0_{text}",
        f"{text}.0",
        f"-{text}",
    ]


TOO_BIG = ["1" * 5000, "9" * 4301, "99999999999999999999", "2147483648"]


# -- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("007", 7),
        ("0", 0),
        ("2147483647", 2**31 - 1),
        ("0000000000002147483647", 2**31 - 1),
        (12, 12),
        ("", None),
        (None, None),
        ("x", None),
        ("1 2", None),
        ("12\n3", None),
        ("0x10", None),
        ("1e3", None),
        (True, None),
        (-1, None),
        *[(bad, None) for bad in lookalikes(12) + TOO_BIG],
    ],
)
def test_number_reads_ascii_digits_only_and_up_to_the_widest_id(raw, expected):
    assert number(raw) == expected


def test_number_takes_a_smaller_ceiling():
    assert number("5", high=5) == 5
    assert number("6", high=5) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        ("0", 1),
        ("-4", 1),
        ("٣", 1),
        ("３", 1),
        ("10000", 10_000),
        ("10001", 10_000),
        ("99999999999999999999", 10_000),
        ("1" * 5000, 10_000),
    ],
)
def test_page_is_one_when_not_a_number_and_at_most_ten_thousand(raw, expected):
    assert page(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12, #31 40", [12, 31, 40]),
        ("3;3 ,3", [3]),
        ("", []),
        ("١٢", None),
        ("12, ３１", None),
        ("1" * 5000, None),
        ("99999999999999999999", None),
        ("12 -1", None),
    ],
)
def test_id_list_follows_the_same_rule(raw, expected):
    assert id_list(raw) == expected


# -- every form that takes a number ------------------------------------------------------------


def test_attendance_with_a_number_that_is_not_one_is_named_and_nothing_is_stored(
    client, engine, staff, patron, other_patron
):
    session = w.schedule(engine, staff, capacity=5)
    for person in (patron, other_patron):
        w.register(engine, person, session.id)
    login_as(client, staff)
    url = f"/sessions/{session.id}/attendance"
    for bad in lookalikes(other_patron.id) + TOO_BIG + ["x", ""]:
        response = client.post(url, {"attended": [str(patron.id), bad]})
        assert response.status_code == 400, bad
        assert "Tick the people who attended" in w.field_error(response.text, "attended"), bad
        assert 'href="#attended"' in response.text
        # What was ticked stays ticked; nobody else is.
        assert f'id="attended-{patron.id}" ' in response.text
        assert checked(response.text, patron.id) and not checked(response.text, other_patron.id)
        with db.read(engine) as s:
            marks = s.execute(select(Registration.attended)).scalars().all()
        assert marks == [None, None], bad
    assert client.post(url, {"attended": [str(patron.id)]}).status_code == 303


def checked(page: str, user_id: int) -> bool:
    found = re.search(rf'<input type="checkbox" name="attended" value="{user_id}"[^>]*>', page)
    assert found, user_id
    return " checked" in found.group(0)


def test_session_capacity_in_other_digits_or_too_long_is_named_and_nothing_is_stored(
    client, engine, staff
):
    login_as(client, staff)
    for bad in lookalikes(12) + TOO_BIG:
        response = client.post("/staff/sessions/new", w.form(capacity=bad))
        assert response.status_code == 400, bad
        assert "Enter a number of places from 1 to" in w.field_error(response.text, "capacity")
        assert w.input_value(response.text, "capacity") == bad
    assert f.count(engine, Workshop) == 0


def test_agenda_and_decision_idea_numbers_in_other_digits_are_named_and_nothing_is_stored(
    client, engine, staff, patron, category
):
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    for bad in lookalikes(idea.id) + TOO_BIG:
        response = client.post("/staff/sessions/new", w.form(agenda=bad))
        assert response.status_code == 400, bad
        assert "Enter idea numbers separated by commas" in w.field_error(response.text, "agenda")
        response = client.post(
            "/staff/decisions/new",
            {"title": "T", "you_said": "x", "we_did": "y", "outcome": "adopted", "ideas": bad},
        )
        assert response.status_code == 400, bad
        assert w.field_error(response.text, "ideas"), bad
    assert f.count(engine, Workshop) == 0
    assert f.count(engine, StatusChange) == 0


def test_idea_category_in_other_digits_is_named_and_nothing_is_stored(
    client, engine, patron, category
):
    login_as(client, patron)
    for bad in lookalikes(category.id) + TOO_BIG:
        response = client.post(
            "/ideas/new", {"title": "Board games", "body": "Chess too.", "category_id": bad}
        )
        assert response.status_code == 400, bad
        assert "Choose a category from the list." in w.field_error(response.text, "category_id")
    assert f.count(engine, Idea) == 0


def test_duplicate_of_in_other_digits_is_named_and_nothing_changes(
    client, engine, staff, patron, category
):
    original = f.idea(engine, patron, category, title="The original")
    copy = f.idea(engine, patron, category, title="The copy")
    login_as(client, staff)
    for bad in lookalikes(original.id) + TOO_BIG + [f"#{original.id}".translate(ARABIC)]:
        response = client.post(
            f"/ideas/{copy.id}/status", {"status": "duplicate", "duplicate_of": bad}
        )
        assert response.status_code == 400, bad
        assert "Enter the number of another idea" in w.field_error(response.text, "duplicate_of")
    assert f.get(engine, Idea, copy.id).status == "new"
    assert f.count(engine, StatusChange) == 0
    ok = client.post(
        f"/ideas/{copy.id}/status", {"status": "duplicate", "duplicate_of": f" #{original.id} "}
    )
    assert ok.status_code == 303


def test_follow_up_rating_in_other_digits_is_named_and_nothing_is_stored(
    client, engine, worker, patron, staff, category
):
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, [idea.id])
    worker.step()
    login_as(client, patron)
    for bad in lookalikes(5) + TOO_BIG:
        response = client.post(
            f"/you-said-we-did/{decision.id}/follow-up", {"rating": bad, "comment": "My words"}
        )
        assert response.status_code == 400, bad
        assert "Choose a number from 1" in w.field_error(response.text, "rating")
        assert ">My words</textarea>" in response.text
    assert f.count(engine, FollowUp) == 0


def test_reply_to_a_parent_written_in_other_digits_is_refused_and_nothing_is_stored(
    client, engine, patron, other_patron, category
):
    idea = f.idea(engine, other_patron, category)
    parent = f.comment(engine, other_patron, idea.id)
    login_as(client, patron)
    for bad in lookalikes(parent.id) + TOO_BIG + ["x"]:
        response = client.post(f"/ideas/{idea.id}/comments", {"body": "My reply", "parent_id": bad})
        assert response.status_code == 400, bad
        assert "The comment you replied to is no longer there." in response.text
        assert "My reply" in response.text
    assert f.count(engine, Comment) == 1


def test_report_of_a_target_written_in_other_digits_is_not_found_and_nothing_is_stored(
    client, engine, patron, other_patron, staff, category
):
    idea = f.idea(engine, other_patron, category)
    login_as(client, patron)
    for bad in lookalikes(idea.id) + TOO_BIG:
        data = {"target_type": "idea", "target_id": bad, "reason": "Spam"}
        assert client.post("/report", data).status_code == 404, bad
    login_as(client, staff)
    for bad in lookalikes(idea.id) + TOO_BIG:
        data = {"target_type": "idea", "target_id": bad, "reason": "Spam"}
        assert client.post("/staff/moderation/hide", data).status_code == 404, bad
    assert f.count(engine, Flag) == 0
    assert f.get(engine, Idea, idea.id).hidden_at is None


# -- addresses and query strings ------------------------------------------------------------


def test_every_address_with_an_id_answers_a_long_number_with_not_found(app, client, admin):
    login_as(client, admin)
    paths = [r.path for r in every_route(app.routes) if "{id:int}" in getattr(r, "path", "")]
    assert len(paths) > 20
    for path in paths:
        for bad in ("1" * 5000, "9" * 11, "99999999999999999999", "2147483648"):
            url = path.replace("{id:int}", bad)
            assert client.get(url).status_code in (404, 405), url
            assert client.post(url, {}).status_code in (404, 405), url


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/ideas", "Only idea"),
        ("/api/v1/ideas", "Only idea"),
        ("/sessions", "Evening opening"),
        ("/you-said-we-did", "Longer opening hours"),
    ],
)
def test_a_page_number_in_other_digits_is_the_first_page(
    client, engine, patron, staff, category, path, title
):
    f.idea(engine, patron, category, title="Only idea")
    w.schedule(engine, staff)
    publish(engine, staff)
    first = shown(client.get(path).text)
    assert title in first
    for raw in ("２", "٢", "²"):
        assert shown(client.get(f"{path}?page={raw}").text) == first, raw


def shown(page: str) -> str:
    """What a page or an API answer shows, without the links back to this very address."""
    return page.split('<main id="main"', 1)[-1].split("</main>", 1)[0]
