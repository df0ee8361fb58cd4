"""Request ids and the access log: every response carries an `X-Request-ID` (a proxy's, when it
is a safe one, else a new one), every request writes one log line with its method, path,
status, duration and id, and error pages print the id as a reference a person can quote."""

from __future__ import annotations

import json
import logging
import re

import pytest
from starlette.routing import Route

from portal.app import create_app
from portal.core import logs
from portal.web.access import printable_path
from tests.conftest import Client

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def access_log(caplog):
    caplog.set_level(logging.INFO, logger="portal.access")
    return caplog


def access_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "portal.access"]


@pytest.fixture
def failing_client(settings):
    """A fresh app with one route that raises."""
    application = create_app(settings)

    async def boom(request):
        raise RuntimeError("kaboom")

    application.router.routes.append(Route("/boom", boom))
    with Client(application, base_url="http://testserver", raise_server_exceptions=False) as c:
        yield c
    application.state.engine.dispose()


def test_request_id_is_made_for_each_request_and_echoed(client):
    first, second = client.get("/ping"), client.get("/ideas")
    assert GENERATED.fullmatch(first.headers["x-request-id"])
    assert GENERATED.fullmatch(second.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_request_id_from_a_proxy_is_kept_when_it_is_a_safe_one(client, access_log):
    for proxied in ("7f3a9c0e2b4d4e6f8a1b2c3d4e5f6a7b", "Root=1-67891233:abc.def_9"):
        response = client.get("/ping", headers={"X-Request-ID": proxied})
        assert response.headers["x-request-id"] == proxied
    assert access_records(access_log)[-1].request_id == "Root=1-67891233:abc.def_9"


@pytest.mark.parametrize(
    "sent",
    [
        b"has spaces in it",
        b"<script>alert(1)</script>",
        b"a" * 129,
        b"caf\xc3\xa9",
        b"line%0d%0aforged: yes",
        b"quote\"and'more",
        b"",
    ],
    ids=["spaces", "markup", "too-long", "non-ascii", "encoded-newline", "quotes", "empty"],
)
def test_request_id_from_anywhere_else_is_replaced_never_echoed(client, access_log, sent):
    response = client.get("/ping", headers=[(b"x-request-id", sent)])
    echoed = response.headers["x-request-id"]
    assert GENERATED.fullmatch(echoed)
    [record] = access_records(access_log)
    assert record.request_id == echoed
    assert sent.decode("latin-1") not in access_log.text or not sent


def test_access_log_has_one_line_per_request_with_method_path_status_and_duration(
    client, access_log
):
    response = client.get("/ideas/424242")
    client.post("/language", {"lang": "zh_Hans", "next": "/"})
    first, second = access_records(access_log)
    assert (first.method, first.path, first.status) == ("GET", "/ideas/424242", 404)
    assert first.request_id == response.headers["x-request-id"]
    assert 0 < first.duration_ms < 5000
    assert first.getMessage().startswith("GET /ideas/424242 404 ")
    assert (second.method, second.path, second.status) == ("POST", "/language", 303)


def test_access_log_writes_nothing_when_its_level_is_off(client, caplog):
    caplog.set_level(logging.WARNING, logger="portal.access")
    client.get("/ping")
    assert access_records(caplog) == []


def test_access_log_path_cannot_forge_a_line():
    scope = {"path": "/x\n2026 INFO forged", "raw_path": b"/x\n2026 INFO\x1b[31m forged\xff"}
    assert printable_path(scope) == "/x%0A2026%20INFO%1B[31m%20forged%FF"
    assert printable_path({"path": "/ideas", "raw_path": b"/ideas"}) == "/ideas"
    assert printable_path({"path": "/a", "raw_path": b"/" + b"a" * 2000}).endswith("a...")


def test_error_page_shows_the_request_id_as_its_reference(failing_client, caplog):
    caplog.set_level(logging.INFO)
    response = failing_client.get("/boom", headers={"X-Request-ID": "proxy-id-123"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "proxy-id-123"
    assert "Reference: proxy-id-123" in response.text
    [error] = [r for r in caplog.records if r.name == "portal" and r.levelno == logging.ERROR]
    assert error.request_id == "proxy-id-123" and error.exc_info
    assert "proxy-id-123" in error.getMessage()
    [line] = [r for r in caplog.records if r.name == "portal.access"]
    assert (line.status, line.request_id) == (500, "proxy-id-123")

    missing = failing_client.get("/nope", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404
    assert f"参考编号：{missing.headers['x-request-id']}" in missing.text


def _record(**extra) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {"name": "portal.access", "levelno": logging.INFO, "levelname": "INFO", **extra}
    )
    record.msg, record.args = "%s %s", ("GET", "/ideas")
    record.created = 1_800_000_000.5
    return record


def test_log_json_format_is_one_object_per_line_with_the_record_fields():
    formatter = logs.JsonFormatter()
    line = formatter.format(_record(request_id="abc", status=200, duration_ms=1.5))
    assert json.loads(line) == {
        "time": "2027-01-15T08:00:00.500Z",
        "level": "INFO",
        "logger": "portal.access",
        "message": "GET /ideas",
        "request_id": "abc",
        "status": 200,
        "duration_ms": 1.5,
    }
    try:
        raise ValueError("first line\nsecond line")
    except ValueError:
        import sys

        failed = _record(exc_info=sys.exc_info())
    line = formatter.format(failed)
    assert "\n" not in line
    assert "second line" in json.loads(line)["exception"]


def test_log_text_format_has_time_level_logger_message_and_the_request_id():
    line = logs.TextFormatter().format(_record(request_id="abc"))
    assert line == "2027-01-15T08:00:00.500Z INFO portal.access GET /ideas request_id=abc"


def test_log_records_written_during_a_request_carry_its_id():
    token = logs.request_id.set("during")
    try:
        record = logging.makeLogRecord({"msg": "something"})
        assert logs.RequestIdFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    assert record.request_id == "during"
    outside = logging.makeLogRecord({"msg": "later"})
    logs.RequestIdFilter().filter(outside)
    assert not hasattr(outside, "request_id")
