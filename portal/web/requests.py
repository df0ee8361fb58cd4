"""Small helpers that every domain's routes share: the engine, the signed-in user, safe
redirects, flash messages, and forms."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlsplit

from sqlalchemy import Connection, Engine
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.accounts.auth import current_user
from portal.accounts.models import User
from portal.core import forms
from portal.core.errors import NotFound
from portal.core.i18n import _
from portal.web.csrf import MAX_FIELDS

FLASH_COOKIE = "flash"


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


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


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
    return f"/login?next={quote(here(request))}"


def redirect(url: str, *, flash: str | None = None) -> RedirectResponse:
    """A 303 See Other, so that a POST is followed by a GET, with an optional flash message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, flash, max_age=60, httponly=True, samesite="lax")
    return response


def flash_messages() -> dict[str, str]:
    """Flash messages by key: only keys travel in the cookie, never text."""
    return {
        "idea_posted": _("Your idea is posted. You will hear about every step it takes."),
        "idea_saved": _("Your changes are saved."),
        "status_changed": _("The status is changed and the response is public."),
        "comment_posted": _("Your comment is posted."),
        "comment_saved": _("Your comment is saved."),
        "comment_deleted": _("The comment is deleted."),
        "signed_in": _("You are signed in."),
        "email_confirmed": _("Thank you: your email address is confirmed. Welcome!"),
        "confirmation_sent": _("We sent the link again. It may take a minute to arrive."),
        "email_change_sent": _(
            "We sent a link to the new address. Your address changes when you follow it."
        ),
        "email_changed": _("Your email address is changed. We told your old address."),
        "password_changed": _("Your password is changed. You are signed out everywhere else."),
        "password_reset": _(
            "Your new password is set and you are signed in. You are signed out everywhere else."
        ),
        "signed_out": _("You are signed out."),
        "voted": _("Your vote is counted."),
        "vote_withdrawn": _("Your vote is withdrawn."),
        "followed": _("You follow this idea now."),
        "unfollowed": _("You no longer follow this idea."),
        "profile_saved": _("Your profile is saved."),
        "decision_published": _("The decision is published. Everyone who took part will be told."),
        "follow_up_saved": _("Thank you. Your answer is saved."),
        "review_recorded": _("The review is recorded."),
        "all_read": _("All notifications are marked as read."),
        "preferences_saved": _("Your email settings are saved."),
        "email_retried": _("The email is back in the queue. The worker sends it in a moment."),
        "emails_retried": _(
            "The failed emails are back in the queue. The worker sends them in a moment."
        ),
        "email_not_failed": _(
            "That email is no longer among the failed ones: it was sent, or it is back in the "
            "queue already."
        ),
        "registered": _("You have a place. We will remind you the day before."),
        "waitlisted": _(
            "The session is full, so you are on the waitlist. We will tell you if a place frees up."
        ),
        "registration_cancelled": _("Your registration is cancelled."),
        "session_scheduled": _("The session is scheduled."),
        "session_saved": _("The session is saved."),
        "session_cancelled": _("The session is cancelled."),
        "attendance_saved": _("Attendance is saved."),
        "notes_published": _("The notes and outcomes are published."),
        "committee_saved": _("The committee membership is saved."),
        "calendar_link_new": _(
            "You have a new calendar address. Add it to your calendar app: any earlier address "
            "no longer works."
        ),
        "reported": _("Thank you. The moderators will look at your report."),
        "moderation_hide": _("It is hidden. Its author sees the reason."),
        "moderation_restore": _("It is shown again."),
        "moderation_dismiss": _("The reports are dismissed."),
        "person_saved": _("Saved. The person's sessions ended, so the change applies at once."),
        "settings_saved": _("The settings are saved."),
        "category_added": _("The category is added. People can choose it now."),
        "category_saved": _("The category's names are saved."),
        "category_moved": _("The order of the categories is saved."),
        "category_archived": _("The category is archived. Its ideas keep it."),
        "category_restored": _("The category is offered again."),
        "category_deleted": _("The category is deleted."),
        "team_added": _("The team is added. Add its members here."),
        "team_saved": _("The team is saved."),
        "team_archived": _("The team is archived. Decisions that named it still do."),
        "team_restored": _("The team is offered again."),
        "member_added": _("The member is added."),
        "member_removed": _("The member is removed from the team."),
        "decision_corrected": _(
            "The correction is published. The earlier text stays readable in its history; "
            "nobody was notified."
        ),
        "account_deleted": _(
            "Your account is deleted. What you wrote stays, as by a deleted user."
        ),
    }


def take_flash(request: Request, response: Response) -> None:
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE)


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
