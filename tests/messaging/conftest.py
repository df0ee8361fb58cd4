"""Fixtures of the messaging tests: a real Matrix homeserver (Synapse) for the whole session,
the bot's account on it, and `portal bot` run as a child process against the test's database."""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.settings import Settings
from tests.conftest import SECRET
from tests.processes import ROOT, stop
from tests.relay import Relay
from tests.synapse import Homeserver, Person, homeserver

BOT_PASSWORD = "bot-password-for-tests"
WEBHOOK_SECRET = "webhook-secret-for-tests"
_people = itertools.count()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The test settings, with the webhook's shared secret."""
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        base_url="http://testserver",
        webhook_secret=WEBHOOK_SECRET,
    )


@pytest.fixture
def relay() -> Iterator[Relay]:
    """A relay's HTTP server on a free port, keeping what the worker posts to it."""
    server = Relay()
    yield server
    server.close()


@pytest.fixture
def relay_worker(settings: Settings, relay: Relay, smtp_server: Any, engine: Any) -> Any:
    """The notification worker, posting relayed platforms' messages to `relay`."""
    from portal.app import routes
    from portal.notifications.worker import Worker
    from portal.web import urls

    urls.use(routes())
    return Worker(
        dataclasses.replace(settings, smtp_url=smtp_server.url, webhook_relay_url=relay.url),
        engine,
    )


@pytest.fixture(scope="session")
def synapse() -> Iterator[Homeserver]:
    with homeserver() as server:
        server.register("portalbot", BOT_PASSWORD)
        yield server


@pytest.fixture
def matrix_settings(settings: Settings, synapse: Homeserver) -> Settings:
    return dataclasses.replace(
        settings,
        matrix_homeserver=synapse.url,
        matrix_user="portalbot",
        matrix_password=BOT_PASSWORD,
    )


@pytest.fixture
def bot_id() -> str:
    return "@portalbot:localhost"


@pytest.fixture
def person(synapse: Homeserver) -> Callable[[], Person]:
    """A new person on the homeserver each call (the bot links them to an account)."""

    def make() -> Person:
        return Person(
            synapse, synapse.register(f"reader{os.getpid()}x{next(_people)}", "pw-123456")
        )

    return make


@pytest.fixture
def bot(matrix_settings: Settings, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen]]:
    """Start `portal bot` (again, after `stop`) on the test's database; stopped afterwards."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": matrix_settings.database_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": matrix_settings.base_url,
        "PORTAL_VAR_DIR": str(tmp_path),
        "MATRIX_HOMESERVER": matrix_settings.matrix_homeserver,
        "MATRIX_USER": matrix_settings.matrix_user,
        "MATRIX_PASSWORD": matrix_settings.matrix_password,
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        with (tmp_path / f"bot{len(started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "portal.cli", "bot"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        stop(process)


@pytest.fixture
def matrix_worker(matrix_settings: Settings, smtp_server: Any, engine: Any) -> Any:
    """The notification worker, with the homeserver to send messages to."""
    from portal.app import routes
    from portal.notifications.worker import Worker
    from portal.web import urls

    urls.use(routes())
    return Worker(dataclasses.replace(matrix_settings, smtp_url=smtp_server.url), engine)
