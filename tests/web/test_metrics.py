"""/metrics: with METRICS_TOKEN, request counts and latency by route and status and the email
queue, in the Prometheus format, to whoever sends the token; for anyone else, and without the
token set, the address does not exist. Under `portal serve --workers 2` the counts of both
processes add up."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from portal.app import create_app
from tests import factories as f
from tests.conftest import SECRET, Client
from tests.home.test_health import email
from tests.pg import free_port
from tests.processes import ROOT, portal_server

TOKEN = "scrape-me-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_client(settings):
    app = create_app(dataclasses.replace(settings, metrics_token=TOKEN))
    with Client(app, base_url="http://testserver") as client:
        yield client
    app.state.engine.dispose()


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def requests_of(scrape: dict, route: str, status: str, method: str = "GET") -> float:
    key = frozenset({"method": method, "route": route, "status": status}.items())
    return scrape.get(("portal_http_requests_total", key), 0)


def test_metrics_without_the_token_set_do_not_exist(client):
    for headers in ({}, {"Authorization": "Bearer "}, BEARER):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 404
        assert "Page not found" in response.text


def test_metrics_with_a_wrong_or_missing_token_are_not_found(metrics_client):
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
    ):
        assert metrics_client.get("/metrics", headers=headers).status_code == 404
    assert metrics_client.get("/metrics", headers=BEARER).status_code == 200


def test_metrics_count_requests_by_route_template_and_status(
    metrics_client, engine, patron, category
):
    idea = f.idea(engine, patron, category)
    assert "x-cache" not in metrics_client.get(f"/ideas/{idea.id}").headers
    # The second visit gets a kept page, answered before routing: counted under its route too.
    assert metrics_client.get(f"/ideas/{idea.id}").headers["x-cache"] == "hit"
    assert metrics_client.get("/ideas/424242").status_code == 404
    metrics_client.get("/no/such/place")
    metrics_client.get("/static/css/site.css")
    response = metrics_client.get("/metrics", headers=BEARER)
    assert response.headers["content-type"].startswith("text/plain; version=")
    scrape = samples(response.text)
    assert requests_of(scrape, "/ideas/{id:int}", "200") == 2
    assert requests_of(scrape, "/ideas/{id:int}", "404") == 1
    assert requests_of(scrape, "unmatched", "404") == 1
    assert requests_of(scrape, "/static", "200") == 1
    # Never the address itself: one series per route, however many ideas or scanners.
    assert f"/ideas/{idea.id}" not in response.text and "/no/such" not in response.text
    count_key = frozenset(
        {"method": "GET", "route": "/ideas/{id:int}", "status": "200", "le": "+Inf"}.items()
    )
    assert scrape[("portal_http_request_duration_seconds_bucket", count_key)] == 2


def test_metrics_made_up_methods_share_one_series(metrics_client):
    for method in ("FOO", "BAR", "BAZ"):
        metrics_client.request(method, "/ping")
    text = metrics_client.get("/metrics", headers=BEARER).text
    others = [
        value
        for (name, labels), value in samples(text).items()
        if name == "portal_http_requests_total" and ("method", "other") in labels
    ]
    assert sum(others) == 3
    assert not re.search("FOO|BAR|BAZ", text)


def test_metrics_read_the_email_queue_when_scraped(metrics_client, engine):
    email(engine, "pending")
    email(engine, "pending")
    email(engine, "failed")
    scrape = samples(metrics_client.get("/metrics", headers=BEARER).text)
    assert scrape[("portal_emails_waiting", frozenset())] == 2
    assert scrape[("portal_emails_failed", frozenset())] == 1
    assert scrape[("portal_database_up", frozenset())] == 1
    assert scrape[("portal_schema_up_to_date", frozenset())] == 1
    assert ("portal_email_oldest_waiting_seconds", frozenset()) in scrape
    email(engine, "failed")
    scrape = samples(metrics_client.get("/metrics", headers=BEARER).text)
    assert scrape[("portal_emails_failed", frozenset())] == 2


def test_metrics_and_sentry_are_not_even_imported_without_their_settings(database_url):
    # A fresh interpreter: this test process has imported both already.
    code = (
        "import sys\n"
        "from portal.app import create_app\n"
        "from portal.settings import Settings\n"
        f"create_app(Settings(database_url={database_url!r}, secret_key='k'))\n"
        "print(sorted(m for m in ('sentry_sdk', 'prometheus_client') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_metrics_of_two_server_processes_add_up_and_logs_are_json(database_url, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_VAR_DIR": str(tmp_path),
        "METRICS_TOKEN": TOKEN,
        "LOG_FORMAT": "json",
        "TMPDIR": str(tmp_path),  # where `portal serve` makes its metrics directory
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    with portal_server(port, env, log, workers=2):

        def ping(_: int) -> str:
            with httpx.Client(base_url=base, timeout=30) as browser:  # a connection each
                return browser.get("/ping").headers["x-request-id"]

        [folder] = tmp_path.glob("portal-metrics-*")
        ids: list[str] = []
        # Until both processes have answered some (which one accepts is the kernel's choice).
        while len(_processes(folder)) < 2 and len(ids) < 2000:
            with ThreadPoolExecutor(8) as pool:
                ids += pool.map(ping, range(40))
        assert len(_processes(folder)) == 2
        scrapes = [
            samples(httpx.get(f"{base}/metrics", headers=BEARER, timeout=30).text) for _ in range(4)
        ]
    # Whichever process answered the scrape, it counted both processes' requests.
    assert {requests_of(s, "/ping", "200") for s in scrapes} == {len(ids)}
    assert not folder.exists(), "portal serve removes its metrics directory when it stops"

    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = [_json(line) for line in lines]
    access = [r for r in records if r["logger"] == "portal.access" and r["path"] == "/ping"]
    assert sorted(r["request_id"] for r in access) == sorted(ids)
    assert all(r["method"] == "GET" and r["status"] == 200 for r in access)
    assert all(isinstance(r["duration_ms"], float) and r["time"].endswith("Z") for r in access)
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's own, as JSON


def _processes(folder: Path) -> set[str]:
    """The processes that have written counts (prometheus-client names its files by pid)."""
    return {re.search(r"_(\d+)\.db$", p.name).group(1) for p in folder.glob("counter_*.db")}


def _json(line: str) -> dict:
    try:
        return json.loads(line)
    except ValueError:
        raise AssertionError(f"not a JSON line: {line!r}") from None


def test_worker_logs_as_configured(database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET}
    env["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"

    def run(**settings: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "portal.cli", "worker", "--once"],
            cwd=ROOT,
            env={**env, **settings},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stderr.splitlines()

    [started] = run(LOG_FORMAT="json")
    assert _json(started)["logger"] == "portal.worker"
    assert _json(started)["level"] == "INFO"
    [text] = run()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z INFO portal.worker worker \S+ started", text)
    assert run(LOG_LEVEL="warning") == []
