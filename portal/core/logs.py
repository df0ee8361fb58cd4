"""Logging for `portal serve` and `portal worker`, set up the same way in every process.

Each record is one line with its time (ISO 8601, UTC), level, logger and message: plain text by
default, or one JSON object per line with `LOG_FORMAT=json`, where the fields a record carries
(`request_id`, `method`, `path`, `status`, `duration_ms` for the access log) are fields of the
object. Records logged while a request is answered carry its request id (portal.web.access), so an
error can be found from the reference its page shows.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from portal.settings import Settings

# The id of the request being answered (set by portal.web.access.AccessLogMiddleware).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# What every LogRecord has; anything else was given with `extra=` and is a field of its own.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# uvicorn adds a coloured copy of some messages for terminals.
_SKIP = _STANDARD | {"color_message"}


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to records logged while it is answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            current = request_id.get()
            if current is not None:
                record.request_id = current
        return True


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """`2026-12-02T10:00:00.123Z INFO portal.access GET /ideas 200 3.1 ms request_id=...`"""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_time(record)} {record.levelname} {record.name} {record.getMessage()}"
        rid = getattr(record, "request_id", None)
        if rid:
            line += f" request_id={rid}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's own fields, and
    the traceback as `exception` (newlines escaped, so it stays one line)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _SKIP:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def config(settings: Settings) -> dict[str, Any]:
    """The logging configuration (for logging.config.dictConfig, and uvicorn's `log_config`,
    which applies it in every worker process it starts)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "portal.core.logs.RequestIdFilter"}},
        "formatters": {
            "text": {"()": "portal.core.logs.TextFormatter"},
            "json": {"()": "portal.core.logs.JsonFormatter"},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": settings.log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["default"], "level": settings.log_level},
        # uvicorn's own loggers write through the same handler (its access log stays off:
        # portal.web.access writes one line per request instead).
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": settings.log_level},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def configure(settings: Settings) -> None:
    """Set logging up for a command that runs without uvicorn (`portal worker`)."""
    import logging.config

    logging.config.dictConfig(config(settings))
