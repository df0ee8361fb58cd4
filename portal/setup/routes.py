"""HTTP for the site's settings: /staff/settings (admins)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require
from portal.core import db
from portal.core.errors import ValidationError
from portal.core.i18n import _
from portal.setup import permissions, queries, services
from portal.setup.models import RESPONSE_DAYS_MAX
from portal.web import flash
from portal.web.requests import engine, field, form_data, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "settings_saved": _("The settings are saved."),
    }


async def settings(request: Request) -> Response:
    user = require(request, permissions.can_manage)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in services.FIELDS}
        try:
            with db.write(engine(request)) as s:
                services.save(db=s, actor=user, form=values)
            return redirect(path_for("setup:settings"), flash="settings_saved")
        except ValidationError as exc:
            errors = exc.errors
    else:
        with db.read(engine(request)) as s:
            row = queries.row(s)
        values = {k: str(getattr(row, k)) for k in services.FIELDS}
    return render(
        request,
        "setup/settings.html",
        {
            "values": values,
            "errors": errors,
            "default_name": request.app.state.settings.site_name,
            "days_max": RESPONSE_DAYS_MAX,
        },
        status_code=400 if errors else 200,
    )


routes = Domain(
    "setup",
    [Route("/staff/settings", settings, methods=["GET", "POST"], name="settings")],
)
