"""HTTP for survey results: /surveys/{id}/results (staff always, everyone once a round is
published), the responses as CSV for staff, and the results as JSON in /api/v1."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import current_user
from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound
from portal.core.forms import number
from portal.core.i18n import _
from portal.surveys import charts, permissions, queries, results
from portal.surveys.labels import last_day, local_text
from portal.surveys.models import COLUMNS, Round, Survey
from portal.web.requests import engine, path_id
from portal.web.templating import fmt_date, render


def round_name(rnd: Round) -> str:
    """A round as pages name it: its first and last days."""
    return _(
        "%(opens)s to %(closes)s", opens=fmt_date(rnd.opens_at), closes=fmt_date(last_day(rnd))
    )


def _visible(s: Any, user: User | None, survey_id: int) -> tuple[Survey, list[Round]]:
    """The survey and the rounds whose results this person may read, newest first; 404 when
    there are none (a survey without published results is not public)."""
    survey = queries.get(s, survey_id)
    if survey is None:
        raise NotFound()
    rounds = [r for r in queries.rounds(s, survey.id) if permissions.can_see_results(user, r)]
    if not rounds:
        raise NotFound()
    return survey, rounds


def _chosen(request: Request, rounds: list[Round]) -> tuple[Round, Round | None]:
    """The round `?round=` names (by default the newest that has opened: staff also see the
    rounds scheduled ahead) and the one before it, if any."""
    wanted = number(request.query_params.get("round"))
    now = utcnow()
    opened = next((i for i, r in enumerate(rounds) if r.opens_at <= now), 0)
    index = next((i for i, r in enumerate(rounds) if r.id == wanted), opened)
    return rounds[index], rounds[index + 1] if index + 1 < len(rounds) else None


def _scale(survey: Survey) -> charts.Scale:
    return charts.Scale(1, 9 if survey.scale == "three" else survey.points)


async def results_page(request: Request) -> Response:
    user = current_user(request)
    staff = permissions.can_manage(user)
    with db.read(engine(request)) as s:
        survey, rounds = _visible(s, user, path_id(request))
        rnd, before = _chosen(request, rounds)
        structure = queries.structure(s, survey)
        result = queries.round_results(s, rnd, merge_groups=not staff)
        earlier = queries.round_results(s, before, merge_groups=not staff) if before else None
    names = {d.code: local_text(d, "name") for d in structure.dimensions}
    names |= {i.code: local_text(i) for i in structure.all_items}
    changes = results.compare(earlier, result) if earlier is not None else None
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "rounds": rounds,
            "round": rnd,
            "before": before,
            "result": result,
            "changes": changes,
            "names": names,
            "charts": _charts(survey, result, changes, names, rnd, before),
            "staff": staff,
            "round_name": round_name,
            "num": charts.number,
        },
    )


def _charts(
    survey: Survey,
    result: results.RoundResult,
    changes: results.Changes | None,
    names: dict[str, str],
    rnd: Round,
    before: Round | None,
) -> dict[str, Any]:
    """The SVG beside each table, by the table's key."""
    scale = _scale(survey)
    out: dict[str, Any] = {}
    for n, d in enumerate(result.dimensions):
        name = names.get(d.code, d.code)
        rows = [(names.get(i.code, i.code), i.summary) for i in d.items]
        out[f"items-{n}"] = charts.means_chart(rows, scale=scale, name=name, key=f"items-{n}")
        if result.three:
            zones = [(names.get(i.code, i.code), i.three) for i in d.items if i.three]
            out[f"zones-{n}"] = charts.zone_chart(zones, scale=scale, name=name, key=f"zones-{n}")
        if changes is not None and before is not None:
            compared = [
                (names.get(i.code, i.code), changes.items[i.code])
                for i in d.items
                if i.code in changes.items
            ]
            if compared:
                out[f"change-{n}"] = charts.rounds_chart(
                    compared,
                    scale=scale,
                    rounds=(round_name(before), round_name(rnd)),
                    name=name,
                    key=f"change-{n}",
                )
    return out


# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell: blank for None, and text a spreadsheet would run kept as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_text(dimensions: dict[str, list[str]], columns: tuple[str, ...], rounds: list) -> str:
    """One row per submitted response of each (round id, ratings) given; no names."""
    names = [
        f"{dim}.{item}" if columns == ("rating",) else f"{dim}.{item}.{column}"
        for dim, items in dimensions.items()
        for item in items
        for column in columns
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(v) for v in ["round", "submitted_on", "group", *names]])
    for round_id, ratings in rounds:
        for n in range(len(ratings.response_ids)):
            cells = [
                ratings.values[item][column][n]
                for items in dimensions.values()
                for item in items
                for column in columns
            ]
            day = ratings.submitted[n]
            row = [round_id, day.isoformat() if day else None, ratings.groups[n], *cells]
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()


async def responses_csv(request: Request) -> Response:
    if not permissions.can_export(current_user(request)):
        raise Forbidden()
    with db.read(engine(request)) as s:
        survey = queries.get(s, path_id(request))
        if survey is None:
            raise NotFound()
        rounds = sorted(queries.rounds(s, survey.id), key=lambda r: (r.opens_at, r.id))
        every = [(r.id, queries.round_ratings(s, r.id)) for r in rounds]
        structure = queries.structure(s, survey)
    dimensions = {
        d.code: [i.code for i in structure.items.get(d.id, [])] for d in structure.dimensions
    }
    body = csv_text(dimensions, COLUMNS.get(survey.scale, ("rating",)), every)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="survey-{survey.id}-responses.csv"'},
    )


routes = [
    Route("/surveys/{id:int}/results", results_page, name="results"),
    Route("/surveys/{id:int}/responses.csv", responses_csv, name="responses_csv"),
]
