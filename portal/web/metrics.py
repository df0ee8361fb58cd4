"""/metrics in the Prometheus format, when `METRICS_TOKEN` is set (prometheus-client is imported
only then). Without the token the address is not found, as if it did not exist; with a wrong
one too, so the address says nothing to whoever does not hold the token.

Requests are counted and timed by method, route and status. The route is the address's
template (`/ideas/{id:int}`, `/static`), never the address itself: one series per route, not
one per idea or per address a scanner tries (those are `unmatched`). Emails waiting and failed,
the age of the oldest waiting one and the worker's heartbeat are read from the database when
Prometheus asks (the health report that the app hands over: portal.home.health).

uvicorn's workers are separate processes. `portal serve` gives them a directory of their own
(PROMETHEUS_MULTIPROC_DIR), where each writes its counts, and whichever process answers a
scrape adds up all of them (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import Scope

from portal.core.errors import NotFound
from portal.settings import Settings
from portal.web.routing import every_route

# A kept page takes a millisecond, a search on a large site a second.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Any other method a client makes up is one series, not one each.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Whether the database answered, and the health report (what /healthz answers).
Report = Callable[[Engine], tuple[bool, dict[str, Any]]]


class Metrics:
    """The request metrics of this process and the registry a scrape reads."""

    def __init__(self, settings: Settings, engine: Engine, health: Report) -> None:
        # prometheus-client is imported only when the metrics are on (see above).
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.expected = f"Bearer {settings.metrics_token}".encode()
        self.registry = CollectorRegistry()
        # In multiprocess mode the values live in files, and a scrape reads every process's.
        own = None if settings.metrics_dir else self.registry
        labels = ("method", "route", "status")
        self.requests = Counter(
            "portal_http_requests", "HTTP requests answered.", labels, registry=own
        )
        self.duration = Histogram(
            "portal_http_request_duration_seconds",
            "Time to answer an HTTP request, from its arrival to the end of the response.",
            labels,
            buckets=BUCKETS,
            registry=own,
        )
        if settings.metrics_dir:
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(self.registry, path=settings.metrics_dir)
        self.registry.register(HealthCollector(engine, health))
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._paths: dict[str, str] = {}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Count one answered request (portal.web.access calls this)."""
        method = scope["method"] if scope["method"] in METHODS else "other"
        key = (method, self._route(scope), status)
        series = self._series.get(key)
        if series is None:
            labels = (key[0], key[1], str(status))
            series = self._series[key] = (
                self.requests.labels(*labels),
                self.duration.labels(*labels),
            )
        series[0].inc()
        series[1].observe(seconds)

    def _route(self, scope: Scope) -> str:
        """The template of the route that answered; for a request answered before routing
        (a kept page, a refused form), the first route whose pattern fits the path."""
        route = scope.get("route")
        if route is not None:
            return str(route.path)
        path = scope["path"]
        found = self._paths.get(path)
        if found is None:
            found = next(
                (
                    r.path
                    for r in every_route(scope["app"].routes)
                    if isinstance(r, Route | Mount) and r.path_regex.match(path)
                ),
                "unmatched",
            )
            if len(self._paths) >= 4096:  # paths are the clients' choice: keep a bounded few
                self._paths.clear()
            self._paths[path] = found
        return found

    def allows(self, authorization: str) -> bool:
        return hmac.compare_digest(authorization.encode(), self.expected)


class HealthCollector:
    """The health report as gauges, read when Prometheus scrapes."""

    def __init__(self, engine: Engine, report: Report) -> None:
        self.engine = engine
        self.report = report

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        def gauge(name: str, text: str, value: float | None) -> Any:
            return GaugeMetricFamily(name, text, value=float("nan") if value is None else value)

        reachable, body = self.report(self.engine)
        database = body["database"]
        yield gauge("portal_database_up", "Whether the database answers.", int(reachable))
        if not reachable:
            return
        yield gauge(
            "portal_schema_up_to_date",
            "Whether the database is at the latest migration.",
            int(database["up_to_date"]),
        )
        emails, worker = body["emails"] or {}, body["worker"] or {}
        oldest = (emails["oldest_waiting_seconds"] or 0) if emails else None
        yield gauge(
            "portal_emails_waiting",
            "Emails waiting to be sent, including those waiting to be tried again.",
            emails.get("waiting"),
        )
        yield gauge(
            "portal_emails_failed",
            "Emails the worker gave up on (staff can send them again at /staff/emails).",
            emails.get("failed"),
        )
        yield gauge(
            "portal_email_oldest_waiting_seconds",
            "Age of the oldest email waiting to be sent (0 when none waits).",
            oldest,
        )
        yield gauge(
            "portal_worker_last_seen_seconds",
            "Seconds since a worker was last seen (NaN when none ever was).",
            worker.get("seconds_ago"),
        )


async def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    found: Metrics | None = request.app.state.metrics
    if found is None or not found.allows(request.headers.get("authorization", "")):
        raise NotFound()
    return Response(
        generate_latest(found.registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


routes = [Route("/metrics", metrics, name="metrics")]
