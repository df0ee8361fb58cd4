"""SENTRY_DSN: an unhandled error reaches the error service (real sentry-sdk, real HTTP, to a
tiny server the test starts), tagged with the request's id, without what people typed."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.processes import ROOT


@pytest.fixture
def error_service() -> Iterator[tuple[str, list[bytes]]]:
    """An HTTP server that answers every POST with 200 and keeps its (unzipped) body."""
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_address[1]}/42", received
    server.shutdown()
    server.server_close()


# In a fresh interpreter: sentry-sdk, once started, stays in its process.
APP_WITH_A_FAULT = """
import sys
import sentry_sdk
from starlette.routing import Route
from starlette.testclient import TestClient
from portal.app import create_app
from portal.settings import Settings

async def boom(request):
    password = "typed-by-someone"
    raise RuntimeError("kaboom in the portal")

app = create_app(Settings(database_url=sys.argv[1], secret_key="k", sentry_dsn=sys.argv[2]))
app.router.routes.append(Route("/boom", boom))
with TestClient(app, raise_server_exceptions=False) as client:
    response = client.get("/boom", headers={"X-Request-ID": "ref-4242"})
    client.get("/ping")
sentry_sdk.flush(timeout=10)
print(response.status_code)
"""


def _events(bodies: list[bytes]) -> list[dict]:
    """The error events in the envelopes received (a header line, then item header and
    payload lines)."""
    events = []
    for body in bodies:
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_errors_reach_the_error_service_with_the_request_id(database_url, error_service):
    dsn, received = error_service
    done = subprocess.run(
        [sys.executable, "-c", APP_WITH_A_FAULT, database_url, dsn],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "500"
    [event] = _events(received)  # one report for one error, none for the page that worked
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "kaboom in the portal")
    assert event["tags"]["request_id"] == "ref-4242"
    assert event["release"].startswith("codesign-portal@")
    assert "typed-by-someone" not in json.dumps(event)  # no local variables


def test_errors_with_a_dsn_but_without_sentry_sdk_installed_stop_with_a_clear_message(
    database_url,
):
    code = (
        "import sys\n"
        "sys.modules['sentry_sdk'] = None  # as if it were not installed\n"
        "from portal.app import create_app\n"
        "from portal.settings import Settings\n"
        f"create_app(Settings(database_url={database_url!r}, secret_key='k',"
        " sentry_dsn='http://key@127.0.0.1:9/1'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "pip install" in done.stderr and "[sentry]" in done.stderr
    assert "Traceback" not in done.stderr
