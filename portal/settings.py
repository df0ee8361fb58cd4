"""Configuration: the only module that reads the environment.

Every setting has a safe default so that `make run` works on a new clone. `SECRET_KEY`, when
unset, is generated once into `var/secret_key` and reused, never a fixed value in code.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """templates/, static/ and migrations/ sit beside the package in a checkout and inside it
    in an installed wheel."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES_DIR = _resource_dir("templates")
STATIC_DIR = _resource_dir("static")
MIGRATIONS_DIR = _resource_dir("migrations")
LOCALES_DIR = PACKAGE_DIR / "locales"


def _secret_key(var_dir: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = "smtp://127.0.0.1:25"
    mail_from: str = "Co-design portal <portal@localhost>"
    oidc_discovery_url: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "University account"
    timezone: str = "UTC"
    site_name: str = "Library co-design portal"
    source_url: str = ""
    redis_url: str = ""
    debug: bool = False
    page_cache_seconds: float = 30.0
    rate_limit_factor: float = 1.0
    worker_claim_seconds: int = 120
    digest_hour: int = 7
    log_format: str = "text"
    log_level: str = "INFO"
    metrics_token: str = ""
    metrics_dir: str = ""
    sentry_dsn: str = ""
    inbound_address: str = ""
    inbound_max_bytes: int = 10_000_000
    media_dir: str = "var/media"
    matrix_homeserver: str = ""
    matrix_user: str = ""
    matrix_password: str = ""
    webhook_secret: str = ""
    webhook_relay_url: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def var_dir() -> Path:
    """Where the portal keeps its files (SQLite database, generated secret key)."""
    return Path(os.environ.get("PORTAL_VAR_DIR", "var")).resolve()


def from_env(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (or a given mapping, for tests)."""
    env = dict(os.environ if environ is None else environ)
    var_dir = Path(env.get("PORTAL_VAR_DIR", "var")).resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'portal.sqlite3'}"
    if environ is None:
        secret = _secret_key(var_dir)
    else:
        secret = env.get("SECRET_KEY") or secrets.token_urlsafe(48)
    return Settings(
        database_url=database_url,
        secret_key=secret,
        base_url=env.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        smtp_url=env.get("SMTP_URL", "smtp://127.0.0.1:25"),
        mail_from=env.get("MAIL_FROM", "Co-design portal <portal@localhost>"),
        oidc_discovery_url=env.get("OIDC_DISCOVERY_URL", ""),
        oidc_client_id=env.get("OIDC_CLIENT_ID", ""),
        oidc_client_secret=env.get("OIDC_CLIENT_SECRET", ""),
        oidc_name=env.get("OIDC_NAME", "University account"),
        timezone=env.get("TIMEZONE", "UTC"),
        site_name=env.get("SITE_NAME", "Library co-design portal"),
        source_url=env.get("SOURCE_URL", ""),
        redis_url=env.get("REDIS_URL", ""),
        debug=env.get("DEBUG", "") in {"1", "true", "yes"},
        page_cache_seconds=_number(env.get("PAGE_CACHE_SECONDS", ""), 30.0),
        rate_limit_factor=max(0.001, _number(env.get("RATE_LIMIT_FACTOR", ""), 1.0)),
        worker_claim_seconds=max(1, int(_number(env.get("WORKER_CLAIM_SECONDS", ""), 120))),
        digest_hour=min(23, int(_number(env.get("DIGEST_HOUR", ""), 7))),
        log_format="json" if env.get("LOG_FORMAT", "").strip().lower() == "json" else "text",
        log_level=_log_level(env.get("LOG_LEVEL", "")),
        metrics_token=env.get("METRICS_TOKEN", ""),
        # Set by `portal serve` (a directory it owns) so that the counts of every uvicorn worker
        # process add up; prometheus-client reads the same variable.
        metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR", ""),
        sentry_dsn=env.get("SENTRY_DSN", ""),
        inbound_address=env.get("INBOUND_ADDRESS", "").strip().lower(),
        inbound_max_bytes=max(1000, int(_number(env.get("INBOUND_MAX_BYTES", ""), 10_000_000))),
        media_dir=str(Path(env.get("MEDIA_DIR") or var_dir / "media").resolve()),
        matrix_homeserver=env.get("MATRIX_HOMESERVER", "").rstrip("/"),
        matrix_user=env.get("MATRIX_USER", ""),
        matrix_password=env.get("MATRIX_PASSWORD", ""),
        webhook_secret=env.get("WEBHOOK_SECRET", ""),
        webhook_relay_url=env.get("WEBHOOK_RELAY_URL", ""),
    )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(value: str) -> str:
    """A logging level name; anything else is INFO."""
    value = value.strip().upper()
    return value if value in LOG_LEVELS else "INFO"


def _number(value: str, default: float) -> float:
    try:
        return max(0.0, float(value)) if value else default
    except ValueError:
        return default
