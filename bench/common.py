"""Shared bench helpers: a throwaway database, a real server process, a signed-in client."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SECRET = "bench-secret-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(database_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_VAR_DIR": tempfile.gettempdir(),
    }


@contextmanager
def server(database_url: str, workers: int = 1) -> Iterator[str]:
    """Serve the portal with uvicorn[standard] in a subprocess; yield its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portal.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env_for(database_url, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def signed_in(base: str, email: str, password: str) -> tuple[httpx.Client, str]:
    """A client signed in through the real form, and its CSRF token."""
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert r.status_code == 303, r.text
    # Signing in replaced the CSRF cookie: the token of a page seen after it is the one to use.
    page = client.get("/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client, token


def results_path(name: str) -> Path:
    folder = Path(__file__).resolve().parent / "results"
    folder.mkdir(exist_ok=True)
    return folder / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
