"""Survey results: staff publish a round; the results page, the responses as CSV and the
results as JSON, with numbers from real answers written through the services."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from portal.core import db
from portal.surveys import answering, queries, services, stats
from portal.surveys.models import Round
from tests.conftest import login_as, make_user
from tests.surveys.helpers import open_round, round_of


def small_survey(engine: Any, staff: Any, items: int = 2, scale: str = "single5") -> Any:
    """A survey "Desk" (code D) with items a, b, ... and the user-group question."""
    with db.write(engine) as s:
        made = services.create(
            db=s, actor=staff, form={"title": "Desk", "scale": scale, "asks_group": "1"}
        )
        dim = services.add_dimension(
            db=s, actor=staff, survey_id=made.id, form={"code": "D", "name": "Desk"}
        )
        for n in range(items):
            code = chr(ord("a") + n) if n < 26 else f"i{n}"
            services.add_item(
                db=s,
                actor=staff,
                survey_id=made.id,
                form={"code": code, "text": f"Item {code}", "dimension_id": str(dim.id)},
            )
    return made


def answer(engine: Any, survey_id: int, ratings: dict[str, str], group: str = "", **kw: Any) -> Any:
    """A new patron answers: `ratings` by item code ("na" for not applicable)."""
    person = make_user(engine, "patron")
    with db.read(engine) as s:
        from_codes = {i.code: i.id for i in _items(s, survey_id)}
    form = {f"r-{from_codes[code]}-rating": value for code, value in ratings.items()}
    form["group"] = group
    with db.write(engine) as s:
        answering.answer(db=s, actor=person, survey_id=survey_id, form=form, **kw)
    return person


def _items(s: Any, survey_id: int) -> list:
    found = queries.get(s, survey_id)
    assert found is not None
    return queries.structure(s, found).all_items


def hand_fixture(engine: Any, staff: Any) -> tuple[Any, Round]:
    """Three responses to items a and b: (2, 3), (4, 5), (3, not applicable)."""
    made = small_survey(engine, staff)
    rnd = open_round(engine, staff, made.id)
    answer(engine, made.id, {"a": "2", "b": "3"}, "undergraduate")
    answer(engine, made.id, {"a": "4", "b": "5"}, "undergraduate")
    answer(engine, made.id, {"a": "3", "b": "na"}, "researcher")
    return made, rnd


def test_staff_publish_a_round_and_unpublish_it(client, engine, staff):
    made, rnd = hand_fixture(engine, staff)
    login_as(client, staff)
    page = client.get(f"/staff/surveys/rounds/{rnd.id}")
    assert "Publish the results" in page.text
    response = client.post(f"/staff/surveys/rounds/{rnd.id}/publish", {"publish": "1"})
    assert response.status_code == 303
    assert round_of(engine, rnd.id).published_at is not None
    assert "Unpublish the results" in client.get(response.headers["location"]).text
    client.post(f"/staff/surveys/rounds/{rnd.id}/publish", {"publish": "0"})
    assert round_of(engine, rnd.id).published_at is None


def test_patron_may_not_publish_a_round(client, engine, staff, patron):
    made, rnd = hand_fixture(engine, staff)
    login_as(client, patron)
    response = client.post(f"/staff/surveys/rounds/{rnd.id}/publish", {"publish": "1"})
    assert response.status_code == 403
    assert round_of(engine, rnd.id).published_at is None


def test_results_are_hidden_until_published_then_public(client, engine, staff, patron):
    made, rnd = hand_fixture(engine, staff)
    address = f"/surveys/{made.id}/results"
    assert client.get(address).status_code == 404
    login_as(client, patron)
    assert client.get(address).status_code == 404
    with db.write(engine) as s:
        services.publish_round(db=s, actor=staff, round_id=rnd.id)
    assert client.get(address).status_code == 200
    client.cookies.clear()
    assert client.get(address).status_code == 200
    assert client.get(f"/surveys/{made.id + 1}/results").status_code == 404


def test_staff_see_unpublished_results(client, engine, staff):
    made, rnd = hand_fixture(engine, staff)
    login_as(client, staff)
    page = client.get(f"/surveys/{made.id}/results")
    assert page.status_code == 200
    assert "only staff can read" in page.text


def test_results_page_shows_the_numbers_worked_out_by_hand(client, engine, staff):
    made, rnd = hand_fixture(engine, staff)
    login_as(client, staff)
    text = client.get(f"/surveys/{made.id}/results").text
    # Item a: 2, 4, 3: mean 3, sd 1, t(0.975, 2) = 4.3027 times 1 / sqrt(3) = 2.4841.
    assert "<td>3</td><td>3.00</td><td>1.00</td><td>0.52 – 5.48</td>" in text
    # Item b: 3, 5: mean 4, sd sqrt(2), t(0.975, 1) = 12.706 times sqrt(2) / sqrt(2).
    assert "<td>2</td><td>4.00</td><td>1.41</td><td>-8.71 – 16.71</td>" in text
    # Alpha over the two complete responses: item variances 2 and 2, totals' variance 8.
    assert "Cronbach's alpha 1.00 over 2 complete responses" in text
    # The dimension's score per response: 2.5, 4.5 and 3.
    assert "<td>3</td><td>3.33</td>" in text
    assert (
        '<caption id="items-0-caption">Desk: items</caption>' in text
        and '<th scope="row">Item a</th>' in text
    )
    assert 'role="img"' in text


def test_results_page_merges_small_groups_for_the_public_only(client, engine, staff):
    made, rnd = hand_fixture(engine, staff)
    with db.write(engine) as s:
        services.publish_round(db=s, actor=staff, round_id=rnd.id)
    public = client.get(f"/surveys/{made.id}/results").text
    assert "Smaller groups together" in public
    assert "Researcher or faculty" not in public
    login_as(client, staff)
    inside = client.get(f"/surveys/{made.id}/results").text
    assert "Researcher or faculty" in inside and "Undergraduate student" in inside


def _queries(engine: Any, client: Any, address: str) -> int:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(address).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_results_page_reads_the_same_number_of_queries_for_3_or_12_items(client, engine, staff):
    counts = []
    for size in (3, 12):
        made = small_survey(engine, staff, items=size)
        open_round(engine, staff, made.id)
        for n in range(size // 3 + 1):
            answer(engine, made.id, {chr(ord("a") + i): str(1 + (i + n) % 5) for i in range(size)})
        login_as(client, staff)
        counts.append(_queries(engine, client, f"/surveys/{made.id}/results"))
        client.cookies.clear()
    assert counts[0] == counts[1]


def _csv(client: Any, survey_id: int) -> list[list[str]]:
    response = client.get(f"/surveys/{survey_id}/responses.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


def test_staff_download_the_responses_without_drafts_or_names(client, engine, staff):
    made, rnd = hand_fixture(engine, staff)
    drafter = answer(engine, made.id, {"a": "5"}, draft=True)
    login_as(client, staff)
    rows = _csv(client, made.id)
    assert rows[0] == ["round", "submitted_on", "group", "D.a", "D.b"]
    today = round_of(engine, rnd.id).opens_at.date().isoformat()
    assert rows[1:] == [
        [str(rnd.id), today, "undergraduate", "2", "3"],
        [str(rnd.id), today, "undergraduate", "4", "5"],
        [str(rnd.id), today, "researcher", "3", ""],
    ]
    assert drafter.email not in client.get(f"/surveys/{made.id}/responses.csv").text


def test_three_column_csv_names_each_column(client, engine, staff):
    made = small_survey(engine, staff, items=1, scale="three")
    open_round(engine, staff, made.id)
    login_as(client, staff)
    assert _csv(client, made.id) == [
        ["round", "submitted_on", "group", "D.a.minimum", "D.a.desired", "D.a.perceived"]
    ]


def test_patron_never_gets_the_responses(client, engine, staff, patron):
    made, rnd = hand_fixture(engine, staff)
    with db.write(engine) as s:
        services.publish_round(db=s, actor=staff, round_id=rnd.id)
    assert client.get(f"/surveys/{made.id}/responses.csv").status_code in (302, 303, 403)
    login_as(client, patron)
    assert client.get(f"/surveys/{made.id}/responses.csv").status_code == 403


def test_csv_cells_that_a_spreadsheet_would_run_are_kept_as_text(client, engine, staff):
    with db.write(engine) as s:
        made = services.create(db=s, actor=staff, form={"title": "Sums", "scale": "single5"})
        dim = services.add_dimension(
            db=s, actor=staff, survey_id=made.id, form={"code": "-2", "name": "Minus"}
        )
        services.add_item(
            db=s,
            actor=staff,
            survey_id=made.id,
            form={"code": "-x", "text": "Minus x", "dimension_id": str(dim.id)},
        )
    login_as(client, staff)
    rows = _csv(client, made.id)
    assert rows[0][3] == "'-2.-x"


def test_results_page_numbers_equal_the_statistics_on_the_same_ratings(client, engine, staff):
    made = small_survey(engine, staff, items=3)
    open_round(engine, staff, made.id)
    rows = [[1 + (n * 7 + i * 3) % 5 for i in range(3)] for n in range(12)]
    rows[4][1] = 0  # not applicable
    for row in rows:
        answer(engine, made.id, {c: str(v) if v else "na" for c, v in zip("abc", row, strict=True)})
    login_as(client, staff)
    text = client.get(f"/surveys/{made.id}/results").text
    matrix = [[v or None for v in row] for row in rows]
    for i, code in enumerate("abc"):
        s = stats.describe(row[i] for row in matrix)
        cells = f"<td>{s.n}</td><td>{s.mean:.2f}</td><td>{s.sd:.2f}</td>"
        assert f'<th scope="row">Item {code}</th>{cells}' in text
        assert f"{s.ci95_low:.2f} – {s.ci95_high:.2f}" in text
    reliability = stats.reliability(matrix)
    assert f"Cronbach's alpha {reliability.alpha:.2f} over 11 complete responses" in text
    score = stats.describe(stats.response_means(matrix))
    assert f"<td>12</td><td>{score.mean:.2f}</td><td>{score.ci95_low:.2f} – " in text


def test_api_results_are_hidden_until_published_and_staff_always_see_them(
    client, engine, staff, patron
):
    made, rnd = hand_fixture(engine, staff)
    address = f"/api/v1/surveys/{made.id}/results"
    assert client.get(address).status_code == 404
    login_as(client, patron)
    assert client.get(address).status_code == 404
    client.cookies.clear()
    login_as(client, staff)
    assert client.get(address).json()["data"]["rounds"][0]["published_at"] is None
    client.cookies.clear()
    with db.write(engine) as s:
        services.publish_round(db=s, actor=staff, round_id=rnd.id)
    assert client.get(address).status_code == 200


def test_api_results_give_the_statistics_per_round_dimension_and_item(client, engine, staff):
    made, rnd = hand_fixture(engine, staff)
    with db.write(engine) as s:
        services.publish_round(db=s, actor=staff, round_id=rnd.id)
    data = client.get(f"/api/v1/surveys/{made.id}/results").json()["data"]
    [first] = data["rounds"]
    assert first["id"] == rnd.id and first["n"] == 3
    [dim] = first["dimensions"]
    assert dim["code"] == "D" and dim["n"] == 3 and dim["alpha"] == 1.0
    assert dim["mean"] == stats.describe([2.5, 4.5, 3]).mean
    a, b = dim["items"]
    expected = stats.describe([2, 4, 3])
    assert a == {
        "code": "a",
        "n": 3,
        "mean": 3.0,
        "sd": 1.0,
        "ci95": [expected.ci95_low, expected.ci95_high],
    }
    assert b["n"] == 2 and "adequacy_gap" not in b


def test_api_results_give_three_column_gaps(client, engine, staff):
    made = small_survey(engine, staff, items=1, scale="three")
    rnd = open_round(engine, staff, made.id)
    with db.read(engine) as s:
        [item] = _items(s, made.id)
    rows = [(3, 7, 5), (4, 8, 4), (2, 6, 6)]
    for minimum, desired, perceived in rows:
        person = make_user(engine, "patron")
        form = {
            f"r-{item.id}-minimum": str(minimum),
            f"r-{item.id}-desired": str(desired),
            f"r-{item.id}-perceived": str(perceived),
        }
        with db.write(engine) as s:
            answering.answer(db=s, actor=person, survey_id=made.id, form=form)
    with db.write(engine) as s:
        services.publish_round(db=s, actor=staff, round_id=rnd.id)
    [out] = client.get(f"/api/v1/surveys/{made.id}/results").json()["data"]["rounds"][0][
        "dimensions"
    ][0]["items"]
    adequacy = stats.describe([2, 0, 4])
    assert out["mean"] == 5.0
    assert out["adequacy_gap"] == {
        "n": 3,
        "mean": 2.0,
        "sd": 2.0,
        "ci95": [adequacy.ci95_low, adequacy.ci95_high],
    }
    assert out["superiority_gap"]["mean"] == -2.0


def test_results_page_compares_two_rounds_and_chooses_a_round(client, engine, staff):
    made, first = hand_fixture(engine, staff)
    with db.write(engine) as s:  # the first round was last month
        moved = s.get(Round, first.id)
        moved.opens_at -= timedelta(days=30)
        moved.closes_at -= timedelta(days=30)
    second = open_round(engine, staff, made.id)
    answer(engine, made.id, {"a": "5", "b": "4"})
    answer(engine, made.id, {"a": "4", "b": "4"})
    login_as(client, staff)
    text = client.get(f"/surveys/{made.id}/results").text
    change = stats.compare([2, 4, 3], [5, 4])
    assert "Change since" in text and 'id="round-choice"' in text
    assert (
        f"<td>3.00</td><td>4.50</td><td>+1.50</td>"
        f"<td>{change.ci95_low:+.2f} – {change.ci95_high:+.2f}</td>" in text
    )
    assert 'aria-labelledby="change-0-title"' in text
    earlier = client.get(f"/surveys/{made.id}/results", params={"round": first.id}).text
    assert '<dd id="results-n">3</dd>' in earlier and "Change since" not in earlier
    assert '<dd id="results-n">2</dd>' in text
    assert second.id != first.id


def test_results_page_refuses_to_show_an_unpublished_round_by_its_id(client, engine, staff):
    made, first = hand_fixture(engine, staff)
    with db.write(engine) as s:
        moved = s.get(Round, first.id)
        moved.opens_at -= timedelta(days=30)
        moved.closes_at -= timedelta(days=30)
    second = open_round(engine, staff, made.id)
    answer(engine, made.id, {"a": "5", "b": "4"})
    with db.write(engine) as s:
        services.publish_round(db=s, actor=staff, round_id=second.id)
    for choice in (str(first.id), "abc", "-1", "99999999999999999999"):
        page = client.get(f"/surveys/{made.id}/results", params={"round": choice})
        assert page.status_code == 200
        assert '<dd id="results-n">1</dd>' in page.text
        assert "Change since" not in page.text and 'id="round-choice"' not in page.text


def test_staff_see_a_three_column_round_without_responses(client, engine, staff):
    made = small_survey(engine, staff, items=2, scale="three")
    open_round(engine, staff, made.id)
    login_as(client, staff)
    page = client.get(f"/surveys/{made.id}/results")
    assert page.status_code == 200
    assert '<dd id="results-n">0</dd>' in page.text and "zones of tolerance" in page.text


def test_staff_see_the_newest_round_that_has_opened_by_default(client, engine, staff):
    made, first = hand_fixture(engine, staff)
    later = round_of(engine, first.id).closes_at.date() + timedelta(days=3)
    open_round(
        engine,
        staff,
        made.id,
        opens=later.isoformat(),
        closes=(later + timedelta(days=7)).isoformat(),
    )
    login_as(client, staff)
    page = client.get(f"/surveys/{made.id}/results")
    assert '<dd id="results-n">3</dd>' in page.text and 'id="round-choice"' in page.text
