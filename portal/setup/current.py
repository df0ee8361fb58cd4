"""The site's settings for the request being served, on every page as `site`: read from the
database once per request (one row by its key), so a change made through any process shows on
the next page everywhere. Pages kept for visitors are rendered again after a change, since
saving moves the site's data version like every write."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request

from portal.setup import queries
from portal.setup.models import SiteSettings
from portal.web.templating import context_hook

log = logging.getLogger(__name__)


def site(request: Request) -> queries.Site:
    """This request's site settings (read on first use, then kept on the request)."""
    kept = getattr(request.state, "site", None)
    if kept is not None:
        return kept
    default_name = request.app.state.settings.site_name
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            kept = queries.site_on(conn, default_name)
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error):  # the prepared run's errors
        # An error page must render even when the database cannot be read.
        log.warning("site settings unreadable; showing the defaults", exc_info=True)
        return queries.from_row(SiteSettings(id=1), default_name)
    request.state.site = kept
    return kept


@context_hook
def site_context(request: Request) -> dict[str, Any]:
    """Every page shows the site's name, welcome and contact address."""
    return {"site": site(request)}
