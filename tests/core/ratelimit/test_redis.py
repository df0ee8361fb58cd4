"""Rate limits counted in a real Redis when `REDIS_URL` is set: the same fixed windows and
429 with Retry-After, one count shared by every process, nothing written to the database, and
a Redis that is down never takes the site down (fail open)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from portal.core import db
from portal.core.ratelimit.limits import DatabaseCounter, counter_for
from portal.core.ratelimit.models import RateCounter
from portal.core.ratelimit.redis_counter import RedisCounter
from portal.core.ratelimit.windows import LIMITS, RateLimited
from portal.settings import Settings, from_env
from tests.conftest import PASSWORD, Client, make_user
from tests.pg import free_port


def _rate_counter_rows(engine: Any) -> int:
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(RateCounter)).scalar_one()


def _nothing_listening() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def counter(redis_url: str) -> Iterator[RedisCounter]:
    c = RedisCounter(redis_url)
    yield c
    c.close()


def test_redis_url_is_read_from_the_environment():
    assert from_env({"REDIS_URL": "redis://cache:6379/2"}).redis_url == "redis://cache:6379/2"
    assert from_env({}).redis_url == ""


def test_the_app_counts_in_the_database_unless_redis_url_is_set(engine, redis_url):
    assert isinstance(counter_for("", engine), DatabaseCounter)
    chosen = counter_for(redis_url, engine)
    try:
        assert isinstance(chosen, RedisCounter)
    finally:
        chosen.close()


def test_redis_refuses_past_the_limit_with_time_to_wait(counter, redis_url, one_window):
    limit = LIMITS["login-fail-pair"]
    for _ in range(limit.count):
        counter.hit("login-fail-pair", "someone@example.org")
    with pytest.raises(RateLimited) as refused:
        counter.hit("login-fail-pair", "someone@example.org")
    assert 0 < refused.value.retry_after <= limit.seconds
    counter.hit("login-fail-pair", "someone-else@example.org")  # others are not affected

    start = int(one_window.timestamp()) // limit.seconds * limit.seconds
    assert refused.value.retry_after == start + limit.seconds - int(one_window.timestamp())
    key = f"ratelimit:login-fail-pair:someone@example.org:{start}"
    check = redis.Redis.from_url(redis_url)
    try:
        assert int(check.get(key)) == limit.count + 1  # a refused attempt still counts
        assert 0 < check.ttl(key) <= refused.value.retry_after  # gone when the window ends
    finally:
        check.close()


def test_the_next_window_starts_a_fresh_count(counter, one_window):
    limit = LIMITS["vote"]
    for _ in range(limit.count):
        counter.hit("vote", "7")
    with pytest.raises(RateLimited):
        counter.hit("vote", "7")
    counter.hit("vote", "7", now=one_window + timedelta(seconds=limit.seconds))


def test_limit_is_shared_between_processes_through_redis(redis_url):
    one, other = RedisCounter(redis_url), RedisCounter(redis_url)  # as two app processes
    try:
        for n in range(LIMITS["login-fail-pair"].count):
            (one if n % 2 else other).hit("login-fail-pair", "shared@example.org")
        with pytest.raises(RateLimited):
            one.hit("login-fail-pair", "shared@example.org")
        with pytest.raises(RateLimited):
            other.hit("login-fail-pair", "shared@example.org")
    finally:
        one.close()
        other.close()


@pytest.fixture
def redis_settings(settings: Settings, redis_url: str) -> Settings:
    return dataclasses.replace(settings, redis_url=redis_url)


@pytest.fixture
def app(redis_settings: Settings) -> Iterator[Any]:
    """The app with `REDIS_URL` set (every test below runs it so)."""
    from portal.app import create_app

    application = create_app(redis_settings)
    yield application
    application.state.rate_counter.close()
    application.state.engine.dispose()


def test_sign_in_attempts_end_in_429_with_retry_after_counted_in_redis(app, client, patron, engine):
    assert isinstance(app.state.rate_counter, RedisCounter)
    for _ in range(LIMITS["login-fail-pair"].count):
        r = client.post("/login", {"email": patron.email, "password": "wrong password!"})
        assert r.status_code == 400
    r = client.post("/login", {"email": patron.email, "password": PASSWORD})
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= LIMITS["login-fail-pair"].seconds
    assert "Please slow down" in r.text
    assert _rate_counter_rows(engine) == 0  # nothing counted in the database


def test_redis_down_allows_and_warns(caplog):
    counter = RedisCounter(_nothing_listening())
    try:
        with caplog.at_level(logging.WARNING, logger="portal.ratelimit"):
            for _ in range(LIMITS["login-fail-pair"].count + 5):
                counter.hit("login-fail-pair", "someone@example.org")
    finally:
        counter.close()
    warnings = [r for r in caplog.records if r.name == "portal.ratelimit"]
    assert len(warnings) == 1  # one warning, then Redis is left alone for a pause
    assert "Redis" in warnings[0].getMessage()


def test_redis_down_never_takes_the_site_down(settings, caplog):
    from portal.app import create_app

    application = create_app(dataclasses.replace(settings, redis_url=_nothing_listening()))
    try:
        patron = make_user(application.state.engine)
        with Client(application, base_url="http://testserver") as client:
            codes = {
                client.post("/login", {"email": patron.email, "password": "wrong!"}).status_code
                for _ in range(LIMITS["login-fail-pair"].count + 2)
            }
            assert codes == {400}  # answered, not limited and not an error page
            r = client.post("/login", {"email": patron.email, "password": PASSWORD})
            assert r.status_code == 303
            assert _rate_counter_rows(application.state.engine) == 0
    finally:
        application.state.rate_counter.close()
        application.state.engine.dispose()
    assert any(r.name == "portal.ratelimit" for r in caplog.records)


def test_wrong_passwords_counted_in_redis_refuse_the_guesser_and_not_the_owner(app, patron, engine):
    pair = LIMITS["login-fail-pair"].count
    with (
        Client(app, base_url="http://testserver", client=("198.51.100.9", 1)) as guesser,
        Client(app, base_url="http://testserver", client=("203.0.113.7", 1)) as owner,
    ):
        codes = [
            guesser.post("/login", {"email": patron.email, "password": "wrong!"}).status_code
            for _ in range(pair + 1)
        ]
        assert codes == [400] * pair + [429]
        assert (
            owner.post("/login", {"email": patron.email, "password": PASSWORD}).status_code == 303
        )
    assert _rate_counter_rows(engine) == 0  # counted in Redis only
