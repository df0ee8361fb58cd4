"""Site-wide addresses that belong to no domain: /ping, the language switcher, static files, and
the small files every site has: favicon, robots.txt, and the source code of the running portal
(AGPL section 13)."""

from __future__ import annotations

import io
import tarfile
from functools import cache

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from portal.core import i18n
from portal.settings import MIGRATIONS_DIR, PACKAGE_DIR, STATIC_DIR, TEMPLATES_DIR
from portal.web.requests import field, form_data, redirect, safe_next
from portal.web.urls import path_for


class CachedStatic(StaticFiles):
    """Static files; addresses carry a content hash (?v=), so they may be cached for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


async def ping(request: Request) -> Response:
    """Liveness without the database: the floor that benchmarks compare pages against."""
    return PlainTextResponse("pong")


async def set_language(request: Request) -> Response:
    form = await form_data(request)
    lang = field(form, "lang")
    response = redirect(safe_next(field(form, "next"), path_for("home")))
    if lang in i18n.LOCALES:
        response.set_cookie("lang", lang, max_age=60 * 60 * 24 * 365, samesite="lax")
    return response


async def favicon(request: Request) -> Response:
    """/favicon.ico, which browsers ask for whatever the page links to."""
    return FileResponse(
        STATIC_DIR / "favicon.ico",
        media_type="image/vnd.microsoft.icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# Pages that are one person's own, or forms that lead nowhere for a crawler.
ROBOTS = """User-agent: *
Disallow: /account
Disallow: /notifications
Disallow: /staff
Disallow: /login
Disallow: /signup
Disallow: /password/
Disallow: /auth/
Disallow: /unsubscribe/
Disallow: /ideas/new
"""


async def robots(request: Request) -> Response:
    return PlainTextResponse(ROBOTS)


@cache
def source_archive() -> bytes:
    """The running portal's own source (code, templates, static files, migrations, and the
    project files beside them in a checkout), as a .tar.gz; never var/ or anything else."""
    root = PACKAGE_DIR.parent  # the checkout, or site-packages (resources inside the package)
    folders = {PACKAGE_DIR, TEMPLATES_DIR, STATIC_DIR, MIGRATIONS_DIR}
    folders = {f for f in folders if not any(other in f.parents for other in folders)}
    files = [p for f in sorted(folders) for p in sorted(f.rglob("*")) if p.is_file()]
    files += [root / n for n in ("pyproject.toml", "README.md", "LICENSE", "Makefile", "babel.cfg")]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                archive.add(path, arcname=f"codesign-portal/{path.relative_to(root)}")
    return buffer.getvalue()


async def source(request: Request) -> Response:
    """The source code of this very portal, offered to everyone who uses it over the network
    (AGPL-3.0 section 13), unless SOURCE_URL points to where the library publishes it."""
    return Response(
        source_archive(),
        media_type="application/gzip",
        headers={"Content-Disposition": 'attachment; filename="codesign-portal-source.tar.gz"'},
    )


routes = [
    Route("/ping", ping, name="ping"),
    Route("/language", set_language, methods=["POST"], name="language"),
    Route("/favicon.ico", favicon, name="favicon"),
    Route("/robots.txt", robots, name="robots"),
    Route("/source.tar.gz", source, name="source"),
]
