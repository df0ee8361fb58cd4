"""Fixtures for the rate-limit tests: time frozen inside one window, and a real Redis."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import redis

from portal.core.clock import utcnow
from tests.pg import free_port
from tests.processes import stop


@pytest.fixture(autouse=True)
def one_window(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Every attempt in a test falls in the same window: a slow run that crosses a minute
    boundary would otherwise start a fresh count halfway through."""
    frozen = utcnow().replace(minute=30, second=0, microsecond=0)
    for module in ("windows", "limits"):  # the window an attempt is in, and the old ones
        monkeypatch.setattr(f"portal.core.ratelimit.{module}.utcnow", lambda: frozen)
    return frozen


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free port of 127.0.0.1, nothing kept on disk; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "redis-server is not installed (make system-deps, or apt-get install redis-server)"
        )
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        stop(process)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """The test Redis, emptied before each test."""
    client = redis.Redis.from_url(redis_server)
    try:
        client.flushall()
        yield redis_server
    finally:
        client.close()
