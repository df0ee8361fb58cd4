"""Rate limits: counted in the database (so every process shares them), 429 with
Retry-After and a readable page, and nothing done for the refused request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import LoginSession
from portal.core import db
from portal.core.db import make_engine
from portal.core.ratelimit.limits import forget_old, hit
from portal.core.ratelimit.models import RateCounter
from portal.core.ratelimit.windows import LIMITS, RateLimited
from portal.ideas.models import Idea
from tests.conftest import PASSWORD, login_as
from tests.factories import idea as make_idea


def _count(engine, model) -> int:  # noqa: ANN001
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_hit_refuses_past_the_limit_with_time_to_wait(engine):
    for _ in range(LIMITS["login-fail-pair"].count):
        hit(engine, "login-fail-pair", "someone@example.org")
    with pytest.raises(RateLimited) as refused:
        hit(engine, "login-fail-pair", "someone@example.org")
    assert 0 < refused.value.retry_after <= LIMITS["login-fail-pair"].seconds
    hit(engine, "login-fail-pair", "someone-else@example.org")  # others are not affected


def test_limit_is_shared_between_processes_through_the_database(engine, database_url):
    other = make_engine(database_url)  # a second app process has its own engine and pool
    try:
        for n in range(LIMITS["login-fail-pair"].count):
            hit(engine if n % 2 else other, "login-fail-pair", "shared@example.org")
        with pytest.raises(RateLimited):
            hit(other, "login-fail-pair", "shared@example.org")
    finally:
        other.dispose()


def test_sign_in_attempts_per_account_end_in_429_with_retry_after(client, patron, engine):
    for _ in range(LIMITS["login-fail-pair"].count):
        r = client.post("/login", {"email": patron.email, "password": "wrong password!"})
        assert r.status_code == 400
    r = client.post("/login", {"email": patron.email, "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "Please slow down" in r.text and "Skip to main content" in r.text
    assert _count(engine, LoginSession) == 0  # even the right password did not sign in


def test_signing_in_with_the_right_password_never_counts_against_the_account(client, patron):
    for _ in range(LIMITS["login-fail-pair"].count + 5):  # many devices, many sign-ins
        r = client.post("/login", {"email": patron.email, "password": PASSWORD})
        assert r.status_code == 303
    for _ in range(LIMITS["login-fail-pair"].count):
        r = client.post("/login", {"email": patron.email, "password": "wrong password!"})
        assert r.status_code == 400
    assert client.post("/login", {"email": patron.email, "password": PASSWORD}).status_code == 429


def test_every_sign_in_from_one_address_counts_across_accounts(client, app, patron):
    app.state.rate_counter.factor = 0.01  # 300 attempts per address become 3
    codes = [
        client.post("/login", {"email": patron.email, "password": PASSWORD}).status_code
        for n in range(4)
    ]
    assert codes == [303, 303, 303, 429]  # a script, even with the right password


def test_voting_by_a_script_is_limited(client, app, patron, category, engine):
    app.state.rate_counter.factor = 0.02  # 120 a minute becomes 3
    idea = make_idea(engine, patron, category)
    login_as(client, patron)
    codes = [
        client.post(f"/ideas/{idea.id}/vote", {"action": a}).status_code
        for a in ("add", "remove", "add", "remove")
    ]
    assert codes == [303, 303, 303, 429]
    with db.read(engine) as s:
        assert s.get(Idea, idea.id).vote_count == 1  # the refused withdrawal did nothing


def test_posting_ideas_is_limited(client, app, patron, category, engine):
    app.state.rate_counter.factor = 0.1  # 20 an hour becomes 2
    login_as(client, patron)
    form = {"title": "Open later", "body": "Please.", "category_id": str(category.id)}
    codes = [client.post("/ideas/new", form).status_code for _ in range(3)]
    assert codes == [303, 303, 429]
    assert _count(engine, Idea) == 2


def test_old_windows_are_forgotten(engine, one_window):
    hit(engine, "vote", "1", now=one_window - timedelta(days=2))
    hit(engine, "vote", "1")
    forget_old(engine)
    assert _count(engine, RateCounter) == 1
