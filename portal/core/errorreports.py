"""Errors reported to Sentry (or a compatible service) when `SENTRY_DSN` is set; without it
sentry-sdk is not even imported. It is an optional extra: `codesign-portal[sentry]`.

The app and the worker log every unhandled error with its traceback, and Sentry's logging
integration turns each such record (level ERROR and above) into a report, tagged with the id of
the request it happened in: the reference that the error page showed. Nothing more is hooked:
no tracing, no per-query breadcrumbs, no request bodies, cookies or addresses of people, and no
local variables (they may hold what someone typed).
"""

from __future__ import annotations

from typing import Any

from portal import __version__
from portal.core import logs
from portal.settings import Settings


def _tag_request(event: Any, hint: dict[str, Any]) -> Any:
    rid = logs.request_id.get()
    if rid is not None:
        event.setdefault("tags", {})["request_id"] = rid
    return event


def init(settings: Settings) -> None:
    """Start reporting errors when SENTRY_DSN is set; do nothing (and import nothing) else."""
    if not settings.sentry_dsn:
        return
    try:
        import sentry_sdk
        from sentry_sdk.integrations.logging import ignore_logger
    except ImportError:
        raise SystemExit(
            "SENTRY_DSN is set, but sentry-sdk is not installed: "
            "pip install 'codesign-portal[sentry]'"
        ) from None

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        release=f"codesign-portal@{__version__}",
        send_default_pii=False,
        include_local_variables=False,
        auto_enabling_integrations=False,
        before_send=_tag_request,
    )
    # One line per request: noise as breadcrumbs, and written after the request's own scope.
    ignore_logger("portal.access")
