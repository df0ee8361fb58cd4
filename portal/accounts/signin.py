"""Passwords that people type: refused guessers, hashing off the event loop, wrong ones counted.

Every place that asks for a password (signing in, linking single sign-on, deleting the
account, changing the password) checks it through `password_matches`, so guesses count the
same wherever they are made. Wrong passwords are counted three ways (see LIMITS in
portal.core.ratelimit.windows):

- for one account from one address ("login-fail-pair", 10 in 15 minutes): past it, that
  address may not try that account's password;
- from one address across accounts ("login-fail-address", 30 in 15 minutes): past it, the
  address may try no password at all;
- for one account from anywhere ("login-fail-account", 100 an hour, far above what a person
  does): past it the account is under attack, and only addresses that have not given it a
  wrong password in the current 15 minutes may try. Its owner, at home, still signs in; a
  spread-out botnet gets one guess per address and window.

A refusal comes before any hashing, so it costs almost nothing, and says only "slow down"
(429 with Retry-After). The checks count nothing: only a wrong password is counted, so signing
in with the right one never nears a limit. Accounts are counted by their id, so every spelling
of an address is the same account; an address no account has is counted by its normal form.
IPv6 addresses count by their /64 (`portal.web.requests.client_address`).
"""

from __future__ import annotations

from contextlib import suppress

from starlette.requests import Request
from starlette.responses import Response

from portal.accounts import addresses, passwords, queries, services
from portal.accounts.models import User
from portal.core import db
from portal.core.i18n import _
from portal.core.ratelimit.limits import Counter
from portal.core.ratelimit.windows import RateLimited, retry_after
from portal.web.errors import error_page
from portal.web.requests import client_address, engine, limit

PAIR, ADDRESS, ACCOUNT = "login-fail-pair", "login-fail-address", "login-fail-account"


def account_key(user: User | None, typed_email: str) -> str:
    """What wrong passwords for this account are counted under."""
    if user is not None:
        return f"user:{user.id}"
    return f"address:{addresses.lookup_form(typed_email)[:254]}"


def check(counter: Counter, account: str, address: str) -> None:
    """Raise RateLimited when this address may not try a password for this account now."""
    pair = f"{account}|{address}"
    counter.over(ADDRESS, address)
    counter.over(PAIR, pair)
    try:
        counter.over(ACCOUNT, account)
    except RateLimited:
        if counter.count(PAIR, pair) > 0:  # under attack, and this address took part
            raise RateLimited(retry_after(PAIR)) from None


def failed(counter: Counter, account: str, address: str) -> None:
    """Count one wrong password. The answer to it is already decided: nothing is refused
    here, the next attempt is."""
    for name, subject in ((PAIR, f"{account}|{address}"), (ADDRESS, address), (ACCOUNT, account)):
        with suppress(RateLimited):
            counter.hit(name, subject)


async def password_matches(
    request: Request, user: User | None, password: str, typed_email: str = ""
) -> bool:
    """Whether `password` is `user`'s (with no account, a dummy hash is checked so the
    answer takes as long). Raises RateLimited for a refused guesser before hashing, and
    passwords.Busy when this process hashes all it can just now."""
    counter = request.app.state.rate_counter
    limit(request, "login-address")  # every password tried from this address
    address = client_address(request)
    account = account_key(user, typed_email)
    check(counter, account, address)
    ok = await passwords.verify_async(user.password_hash if user else None, password)
    if not ok:
        failed(counter, account, address)
    return ok and user is not None


async def authenticate(request: Request, email: str, password: str) -> User:
    """The account for these credentials, its password hash renewed when today's parameters
    differ. Raises ValidationError (never saying whether the email exists), RateLimited or
    passwords.Busy. Nobody is signed in yet: the caller starts the session."""
    with db.read(engine(request)) as session:
        user = queries.user_by_email(session, email)
    ok = await password_matches(request, user, password, email)
    user = services.accept_sign_in(user, ok)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        renewed = await passwords.hash_async(password)
        with db.write(engine(request), shown=False) as session:
            services.renew_hash(db=session, user=user, renewed=renewed)
    return user


async def busy(request: Request, exc: Exception) -> Response:
    """The page for passwords.Busy: this process hashes all it can just now (503)."""
    assert isinstance(exc, passwords.Busy)
    response = error_page(
        request,
        503,
        _("The portal is busy"),
        _("Many people are signing in just now. Please try again in a few seconds."),
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response
