"""Password guessing: wrong passwords count per account and address, so a guesser is refused
and the owner is not; an address that keeps guessing is refused; an account under attack lets
only clean addresses in. Guesses at account deletion count with sign-in guesses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import LoginSession, User
from portal.core import db
from portal.core.ratelimit.windows import LIMITS
from tests.conftest import PASSWORD, Client, login_as, make_user
from tests.core.ratelimit.conftest import one_window  # noqa: F401 - every attempt in one window

WRONG = "not the password at all"
PAIR = LIMITS["login-fail-pair"].count
ADDRESS = LIMITS["login-fail-address"].count
ACCOUNT = LIMITS["login-fail-account"].count


@pytest.fixture
def from_address(app: Any) -> Iterator[Any]:
    """Browsers at given network addresses: `from_address("203.0.113.7")`."""
    opened: list[Client] = []

    def browser(host: str) -> Client:
        client = Client(app, base_url="http://testserver", client=(host, 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield browser
    for client in opened:
        client.__exit__(None, None, None)


def _sign_in(client: Client, email: str, password: str) -> int:
    return client.post("/login", {"email": email, "password": password}).status_code


def _sessions(engine: Any, user_id: int) -> int:
    with db.read(engine) as s:
        return s.execute(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)
        ).scalar_one()


def test_wrong_passwords_from_one_address_never_refuse_the_owner_elsewhere(
    from_address, patron, engine
):
    guesser, owner = from_address("198.51.100.9"), from_address("203.0.113.7")
    codes = [_sign_in(guesser, patron.email, WRONG) for _ in range(PAIR + 5)]
    assert codes == [400] * PAIR + [429] * 5
    assert _sign_in(guesser, patron.email, PASSWORD) == 429  # the guesser stays refused
    assert _sign_in(owner, patron.email, PASSWORD) == 303
    assert _sessions(engine, patron.id) == 1


def test_a_refused_guess_answers_429_with_retry_after_and_never_signs_in(
    from_address, patron, engine
):
    guesser = from_address("198.51.100.9")
    for _ in range(PAIR):
        _sign_in(guesser, patron.email, WRONG)
    r = guesser.post("/login", {"email": patron.email, "password": PASSWORD})
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= LIMITS["login-fail-pair"].seconds
    assert "Please slow down" in r.text
    assert _sessions(engine, patron.id) == 0


def test_other_spellings_of_the_address_count_as_the_same_account(from_address, patron):
    guesser = from_address("198.51.100.9")
    spellings = [patron.email, patron.email.upper(), f"  {patron.email} ", patron.email.title()]
    codes = [_sign_in(guesser, spellings[n % 4], WRONG) for n in range(PAIR + 1)]
    assert codes[-1] == 429


def test_an_address_that_keeps_guessing_across_accounts_is_refused(from_address, engine):
    people = [make_user(engine) for _ in range(ADDRESS // PAIR + 1)]
    guesser = from_address("198.51.100.9")
    guesses = 0
    for person in people:  # under the limit for each account, past it for the address
        for _ in range(PAIR - 1):
            if guesses < ADDRESS:
                assert _sign_in(guesser, person.email, WRONG) == 400
                guesses += 1
    assert _sign_in(guesser, people[-1].email, PASSWORD) == 429
    assert _sign_in(guesser, "nobody@example.org", WRONG) == 429
    assert _sign_in(from_address("203.0.113.7"), people[-1].email, PASSWORD) == 303


def test_an_account_under_attack_refuses_addresses_that_failed_and_admits_clean_ones(
    from_address, patron, engine, app
):
    app.state.rate_counter.factor = 0.1  # 100 wrong passwords an hour per account become 10
    botnet = [from_address(f"198.51.100.{n}") for n in range(1, 12)]
    for bot in botnet:  # one guess each: no address comes near its own limits
        _sign_in(bot, patron.email, WRONG)
    assert _sign_in(botnet[0], patron.email, PASSWORD) == 429  # failed here before
    assert _sign_in(botnet[0], patron.email, WRONG) == 429  # and no further guessing
    assert _sign_in(from_address("203.0.113.7"), patron.email, PASSWORD) == 303
    assert _sessions(engine, patron.id) == 1


def test_ipv6_addresses_count_by_their_64_bit_network(from_address, patron):
    codes = [
        _sign_in(from_address(f"2001:db8:1:2::{n:x}"), patron.email, WRONG)
        for n in range(1, PAIR + 2)
    ]
    assert codes[-1] == 429  # a new address in the same /64 is the same guesser
    assert _sign_in(from_address("2001:db8:1:3::1"), patron.email, PASSWORD) == 303


def test_guesses_at_account_deletion_are_limited(from_address, patron, engine):
    browser = from_address("198.51.100.9")
    login_as(browser, patron)
    codes = [
        browser.post("/account/delete", {"password": WRONG}).status_code for _ in range(PAIR + 1)
    ]
    assert codes == [400] * PAIR + [429]
    assert browser.post("/account/delete", {"password": PASSWORD}).status_code == 429
    with db.read(engine) as s:
        assert s.get(User, patron.id) is not None


def test_guesses_at_account_deletion_count_with_sign_in_guesses(from_address, patron, engine):
    browser = from_address("198.51.100.9")
    login_as(browser, patron)
    half = PAIR // 2
    for _ in range(half):
        assert browser.post("/account/delete", {"password": WRONG}).status_code == 400
    for _ in range(PAIR - half):
        assert _sign_in(browser, patron.email, WRONG) == 400
    assert _sign_in(browser, patron.email, PASSWORD) == 429
