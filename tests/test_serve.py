"""`portal serve` as operators start it: several fresh processes, answering signed-in people
over fresh connections from their very first request."""

from __future__ import annotations

import os

import httpx

from portal.accounts import auth
from portal.accounts.models import User
from portal.core import db
from tests.conftest import SECRET
from tests.pg import free_port
from tests.processes import portal_server

REQUESTS = 16


def test_a_fresh_server_with_two_processes_answers_signed_in_people_first_thing(
    database_url, engine, patron, tmp_path
):
    # Login sessions made before the server starts, so that the first request each process
    # answers (after the health check, which reads no person) is a signed-in one.
    with db.write(engine) as session:
        person = session.get(User, patron.id)
        tokens = [auth.start_session(session, person) for _ in range(REQUESTS)]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_VAR_DIR": str(tmp_path),
    }
    log = tmp_path / "server.log"
    with portal_server(port, env, log, workers=2):
        answers = []
        for token in tokens:  # each on a connection of its own, as many browsers would
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as browser:
                browser.cookies.set(auth.COOKIE, token)
                answers.append(browser.get("/account"))
    assert [a.status_code for a in answers] == [200] * REQUESTS, log.read_text()
    assert all(patron.email in a.text for a in answers)
    assert all(a.headers["cache-control"] == "private, no-store" for a in answers)
    assert "Traceback" not in log.read_text()


def test_the_app_module_moves_what_it_built_out_of_the_collectors_reach():
    """A full collection walks every tracked object; what the app built at start lives as long
    as the process, so `portal.asgi` freezes it (the p99 of signed-in pages halved)."""
    import subprocess
    import sys

    env = {**os.environ, "SECRET_KEY": SECRET, "DATABASE_URL": "sqlite://"}
    out = subprocess.run(
        [sys.executable, "-c", "import gc, portal.asgi; print(gc.get_freeze_count())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout.split()[-1]) > 100_000
