"""Helpers for the real servers the tests (and docs/screenshots.py) start as child processes:
`portal` commands run from the checkout, and `portal serve` on a free port until it answers."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Ask a child process to end (SIGTERM), and kill it if it has not within `timeout`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def portal_run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    """Run a `portal` command and return how it ended: its exit status and its output."""
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
    )


def portal_command(*args: str, env: dict[str, str], stdin: str = "") -> None:
    """Run a `portal` command; its output is shown only when it fails."""
    done = portal_run(*args, env=env, stdin=stdin)
    if done.returncode:
        raise RuntimeError(f"portal {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


@contextmanager
def portal_server(
    port: int, env: dict[str, str], log: Path, *, workers: int = 1
) -> Iterator[subprocess.Popen]:
    """`portal serve` on 127.0.0.1:`port` with `env` and `workers` processes, its output
    written to `log`. Yields once it answers /healthz (within 30 s), and stops it afterwards."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "portal.cli", "serve"),
                *("--port", str(port), "--workers", str(workers)),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(url, server, log)
        yield server
    finally:
        stop(server)


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped while starting:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within 30 s:\n{log.read_text()}")
