"""Every setting is read from the environment in portal/settings.py, with a safe default, and
reaches the part of the portal that uses it."""

from __future__ import annotations

from dataclasses import replace

from portal.app import create_app
from portal.notifications.worker import Worker
from portal.settings import from_env
from portal.web import templating


def test_settings_tuning_values_come_from_the_environment() -> None:
    tuned = from_env(
        {"RATE_LIMIT_FACTOR": "0.5", "WORKER_CLAIM_SECONDS": "30", "DIGEST_HOUR": "18"}
    )
    assert (tuned.rate_limit_factor, tuned.worker_claim_seconds, tuned.digest_hour) == (
        0.5,
        30,
        18,
    )
    plain = from_env({})
    assert (plain.rate_limit_factor, plain.worker_claim_seconds, plain.digest_hour) == (1, 120, 7)


def test_settings_nonsense_falls_back_to_something_safe() -> None:
    odd = from_env({"RATE_LIMIT_FACTOR": "lots", "WORKER_CLAIM_SECONDS": "-5", "DIGEST_HOUR": "99"})
    assert odd.rate_limit_factor == 1
    assert odd.worker_claim_seconds >= 1
    assert 0 <= odd.digest_hour <= 23


def test_settings_reach_the_rate_limits_the_worker_and_the_templates(settings, engine) -> None:
    tuned = replace(
        settings, rate_limit_factor=0.25, worker_claim_seconds=45, digest_hour=9, debug=True
    )
    app = create_app(tuned)
    try:
        assert app.state.rate_counter.factor == 0.25
        assert templating.env.auto_reload is True
        worker = Worker(tuned, engine)
        assert worker.claim.total_seconds() == 45 and worker.digest_hour == 9
    finally:
        app.state.engine.dispose()
        create_app(settings).state.engine.dispose()  # templates cached again
    assert templating.env.auto_reload is False


def test_settings_for_logs_metrics_and_error_reports() -> None:
    plain = from_env({})
    assert (plain.log_format, plain.log_level, plain.metrics_token, plain.sentry_dsn) == (
        "text",
        "INFO",
        "",
        "",
    )
    tuned = from_env(
        {
            "LOG_FORMAT": "JSON",
            "LOG_LEVEL": "warning",
            "METRICS_TOKEN": "t0ken",
            "PROMETHEUS_MULTIPROC_DIR": "/run/portal-metrics",
            "SENTRY_DSN": "https://key@errors.example.org/1",
        }
    )
    assert (tuned.log_format, tuned.log_level) == ("json", "WARNING")
    assert (tuned.metrics_token, tuned.metrics_dir) == ("t0ken", "/run/portal-metrics")
    assert tuned.sentry_dsn == "https://key@errors.example.org/1"
    odd = from_env({"LOG_FORMAT": "xml", "LOG_LEVEL": "loud"})
    assert (odd.log_format, odd.log_level) == ("text", "INFO")
