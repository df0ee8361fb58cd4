"""/staff/assessment: the staff dashboard, and each of its tables as CSV
(`/staff/assessment?format=csv&table=<name>`)."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.auth import require
from portal.assessment import dashboard, permissions, tables
from portal.core import db
from portal.core.errors import NotFound
from portal.setup.current import site
from portal.web.requests import engine
from portal.web.templating import render

# A cell that a spreadsheet would run as a formula gets a leading apostrophe (titles are
# anyone's text).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: tables.Value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + value if value.startswith(_FORMULA) else value


def csv_body(table: tables.Table) -> str:
    """The table as CSV: a header of column codes, then its rows; blank where no figure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([code for code, _label in table.columns])
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


async def assessment(request: Request) -> Response:
    require(request, permissions.can_see_dashboard)
    wanted = request.query_params.get("table", "")
    as_csv = request.query_params.get("format") == "csv"
    if as_csv and wanted not in tables.NAMES:
        raise NotFound()
    with db.read(engine(request)) as s:
        figures = dashboard.dashboard(s, answer_days=site(request).response_days)
    every = tables.tables(figures)
    if as_csv:
        table = next(t for t in every if t.name == wanted)
        return Response(
            csv_body(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="assessment-{wanted}.csv"'},
        )
    return render(request, "assessment/dashboard.html", {"tables": every, "figures": figures})
