"""A hundred people press "Register" for a ten-place session at the same moment, against a real
server (`portal serve` with two worker processes) and one real database (a SQLite file in WAL
mode, or PostgreSQL): everyone gets an answer, nobody an error; exactly ten places are taken,
ninety people wait, and each waits at a position of their own.

The server runs each request's short transaction in its event loop, so two processes hold at
most two transactions at once; the same race is also run in-process, with thirty threads on
their own connections, where far more transactions overlap."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from portal.core import db
from portal.web.csrf import COOKIE as CSRF_COOKIE
from portal.web.csrf import token_for
from portal.workshops import queries
from portal.workshops.models import Registration
from tests.conftest import PASSWORD, SECRET, make_user
from tests.pg import free_port
from tests.processes import stop
from tests.workshops import factories as w

PEOPLE = 100
CAPACITY = 10
THREADS = 30


def _wait_until_up(proc: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited:\n{log.read_text()}")
        try:
            # The port is open before the workers are ready: wait for the answer rather than
            # time out (a timed-out read would leave its socket for the garbage collector).
            if httpx.get(f"{base}/healthz", timeout=60).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not start:\n{log.read_text()}")


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`portal serve --workers 2` on a free port, on the test's database; yields its address
    and its log file."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": base,
        "PORTAL_VAR_DIR": str(tmp_path),
    }
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(proc, base, log)
            yield base, log
        finally:
            stop(proc, timeout=30)


def sign_in(base: str, email: str) -> tuple[httpx.Client, str]:
    """A browser of its own, signed in through the real form; returns it and its CSRF token."""
    # No kept-alive connections: the server closes idle ones after 5 s, and on a busy machine
    # a request sent just as that happens meets a reset connection.
    browser = httpx.Client(
        base_url=base,
        timeout=60,
        follow_redirects=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )
    page = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token, page.text[:500]
    response = browser.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, response.text[:500]
    # Signing in gave the browser a new CSRF cookie; its pages now carry this token.
    return browser, token_for(SECRET, browser.cookies[CSRF_COOKIE])


def test_hundred_simultaneous_registrations_fill_ten_places_exactly(engine, staff, server):
    base, log = server
    session = w.schedule(engine, staff, capacity=CAPACITY, title="Popular workshop")
    people = [make_user(engine) for _ in range(PEOPLE)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        browsers = list(pool.map(lambda person: sign_in(base, person.email), people))
    url = f"/sessions/{session.id}"
    start = threading.Barrier(PEOPLE)

    def press_register(browser: httpx.Client, token: str) -> tuple[int, str, str]:
        start.wait(timeout=60)
        response = browser.post(f"{url}/register", data={"csrf_token": token})
        return response.status_code, response.headers.get("location", ""), response.text[:300]

    try:
        with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
            answers = list(pool.map(lambda b: press_register(*b), browsers))
        with ThreadPoolExecutor(max_workers=8) as pool:
            pages = list(pool.map(lambda b: b[0].get(url).text, browsers))
    finally:
        for browser, _token in browsers:
            browser.close()

    assert [a for a in answers if a[:2] != (303, url)] == []
    server_log = log.read_text()
    assert "database is locked" not in server_log and "Traceback" not in server_log, server_log

    with db.read(engine) as s:
        rows = list(
            s.execute(select(Registration).where(Registration.workshop_id == session.id)).scalars()
        )
        positions = [queries.waitlist_position(s, r) for r in rows if r.status == "waitlisted"]
    assert len(rows) == PEOPLE
    assert len({r.user_id for r in rows}) == PEOPLE
    assert sum(r.status == "confirmed" for r in rows) == CAPACITY
    assert sum(r.status == "waitlisted" for r in rows) == PEOPLE - CAPACITY
    assert sorted(positions) == list(range(1, PEOPLE - CAPACITY + 1))

    # What each person is told agrees with the database: ten places, ninety distinct positions.
    told = [
        re.search(r"You have a place\.|You are number (\d+) on the waitlist\.", p) for p in pages
    ]
    assert all(told)
    assert sum(m.group(1) is None for m in told if m) == CAPACITY
    assert sorted(int(m.group(1)) for m in told if m and m.group(1)) == sorted(positions)
    assert f"{CAPACITY} of {CAPACITY} places taken" in pages[0]


def run_together(jobs: list[Callable[[], object]]) -> list[BaseException]:
    """Start every job at the same instant, each in its own thread; return what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait(timeout=60)
            job()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a registration hung"
    return errors


def test_simultaneous_registrations_in_process_never_overbook(engine, staff):
    people = [make_user(engine) for _ in range(THREADS)]
    for capacity in (1, 5, 12):
        session = w.schedule(engine, staff, capacity=capacity)
        errors = run_together([partial(w.register, engine, p, session.id) for p in people])
        assert errors == []
        places = list(w.statuses(engine, session.id).values())
        assert places.count("confirmed") == capacity
        assert places.count("waitlisted") == THREADS - capacity
        with db.read(engine) as s:
            waiting = s.execute(
                select(Registration).where(
                    Registration.workshop_id == session.id, Registration.status == "waitlisted"
                )
            ).scalars()
            positions = sorted(queries.waitlist_position(s, r) for r in waiting)
        assert positions == list(range(1, THREADS - capacity + 1))
