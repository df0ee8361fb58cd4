"""Small helpers that every domain's routes share: the engine, the signed-in person, rate
limits, safe redirects, forms and ids in addresses."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import Connection, Engine
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from portal.core import forms
from portal.core.errors import NotFound
from portal.web.csrf import MAX_FIELDS
from portal.web.flash import COOKIE as flash_cookie
from portal.web.urls import path_for


class LoginRequired(Exception):
    """The page needs a signed-in person; the app sends visitors to /login and back."""


class FormRefused(Exception):
    """A form body that cannot be read: too large or too many fields (413), or malformed."""

    def __init__(self, too_large: bool) -> None:
        super().__init__(too_large)
        self.too_large = too_large


def limit(
    request: Request,
    name: str,
    subject: str | int | None = None,
    *,
    conn: Connection | None = None,
) -> None:
    """Count an attempt against a rate limit (by person, or by address when no subject), in
    the app's counter (its database, or Redis when `REDIS_URL` is set). With `conn`, a count
    in the database joins that write transaction."""
    request.app.state.rate_counter.hit(
        name, str(subject) if subject is not None else client_address(request), conn=conn
    )


def client_address(request: Request) -> str:
    """Where a request comes from, as rate limits count it: an IPv4 address, or an IPv6
    address's /64 network (one household or device gets a whole /64 to pick from)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def engine(request: Request) -> Engine:
    return request.app.state.engine


def signed_in(request: Request) -> Any:
    """The signed-in person, or None: looked up on first use by the function that the accounts
    middleware leaves on the request (`state.find_user`), which keeps them as `state.user`. A
    request that never asks (a static file, /ping) costs no query; the page cache and
    `PrivateWhenSignedIn` read `state.user` to tell whether a page was rendered for someone."""
    state = request.scope.setdefault("state", {})
    if "user" in state:
        return state["user"]
    find = state.get("find_user")
    return find(request) if find is not None else None


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target on this site only (no scheme, no host, no '//')."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def here(request: Request) -> str:
    """This page's address on the site (path and query), for a form's `next` to come back to."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def login_url(request: Request) -> str:
    # quote() keeps the slashes of the page to come back to readable (/login?next=/staff).
    return f"{path_for('accounts:login')}?next={quote(here(request))}"


def redirect(url: str, *, flash: str | None = None) -> RedirectResponse:
    """A 303 See Other, so that a POST is followed by a GET, with an optional flash message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(flash_cookie, flash, max_age=60, httponly=True, samesite="lax")
    return response


async def form_data(request: Request) -> FormData:
    """The posted form: at most MAX_FIELDS fields (the CSRF check already refused a larger
    urlencoded one) and no files; anything else is refused with a page that says why."""
    try:
        return await request.form(max_files=0, max_fields=MAX_FIELDS)
    except HTTPException as exc:  # Starlette's answer to a multipart body it will not read
        detail = str(exc.detail).lower()
        raise FormRefused(too_large="too many" in detail or "exceeded" in detail) from exc


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def page_number(request: Request, name: str = "page") -> int:
    """A page number from the query string: 1 when missing or nonsense, at most PAGE_MAX."""
    return forms.page(request.query_params.get(name))


class _IdConvertor(IntegerConvertor):
    """`{id:int}` in every route: at most ten ASCII digits, so a longer number is an address
    that does not exist (404) instead of an int() that fails past 4,300 digits (500)."""

    regex = "[0-9]{1,10}"


# Every routes module imports this one before it builds its routes, so all of them use it.
register_url_convertor("int", _IdConvertor())


def path_id(request: Request) -> int:
    """The `{id:int}` of the address; a number no row can have is simply not found."""
    number = forms.number(request.path_params["id"])
    if not number:
        raise NotFound()
    return number
