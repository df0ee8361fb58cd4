"""Fixtures: a real database per test (SQLite file copied from a migrated template, or a
PostgreSQL database cloned from a migrated template), the app, a client, people by role.

PORTAL_TEST_DB=postgresql runs the same tests on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from portal.accounts import passwords
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.app import create_app
from portal.core import db
from portal.core.migrate import upgrade
from portal.ideas.models import Category
from portal.settings import Settings
from portal.web.csrf import COOKIE as CSRF_COOKIE
from portal.web.csrf import token_for
from tests import pg

DB_KIND = os.environ.get("PORTAL_TEST_DB", "sqlite")
PASSWORD = "correct horse battery staple"
SECRET = "test-secret-key-not-for-production"
_counter = itertools.count()

# Hashing at production cost in every fixture would dominate the run; tests need the same
# algorithm, not the same cost.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with pg.cluster() as url:
        yield url


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    """A migrated database that each test copies: a file path, or a PostgreSQL db name."""
    if DB_KIND == "postgresql":
        server = request.getfixturevalue("pg_server")
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS portal_template"))
            conn.execute(text("CREATE DATABASE portal_template"))
        admin.dispose()
        upgrade(server.rsplit("/", 1)[0] + "/portal_template")
        return "portal_template"
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(template_db: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[str]:
    if DB_KIND == "postgresql":
        server = request.getfixturevalue("pg_server")
        name = f"test_{os.getpid()}_{next(_counter)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {template_db}'))
        yield server.rsplit("/", 1)[0] + "/" + name
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path / "portal.sqlite3"
    shutil.copyfile(template_db, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        base_url="http://testserver",
        media_dir=str(tmp_path / "media"),
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def engine(app: Any) -> Any:
    return app.state.engine


class Client(TestClient):
    """A test client that sends the CSRF token with every form post, as a page would."""

    def csrf_token(self) -> str:
        if CSRF_COOKIE not in self.cookies:
            self.get("/healthz")
        return token_for(SECRET, self.cookies[CSRF_COOKIE])

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> Any:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        kwargs.setdefault("follow_redirects", False)
        return super().post(url, data=data, **kwargs)


@pytest.fixture
def client(app: Any) -> Iterator[Client]:
    with Client(app, base_url="http://testserver", raise_server_exceptions=True) as c:
        yield c


def make_user(
    engine: Any, role: str = "patron", email: str | None = None, name: str | None = None
) -> User:
    """Create an account with the test password."""
    n = next(_counter)
    with db.write(engine) as s:
        return accounts.create_user(
            db=s,
            email=email or f"{role}{n}@example.org",
            display_name=name or f"{role} {n}",
            password=PASSWORD,
            role=role,
        )


@pytest.fixture
def patron(engine: Any) -> User:
    return make_user(engine, "patron", name="Pat Reader")


@pytest.fixture
def other_patron(engine: Any) -> User:
    return make_user(engine, "patron", name="Olu Other")


@pytest.fixture
def committee(engine: Any) -> User:
    return make_user(engine, "committee", name="Chen Committee")


@pytest.fixture
def staff(engine: Any) -> User:
    return make_user(engine, "staff", name="Sam Staff")


@pytest.fixture
def admin(engine: Any) -> User:
    return make_user(engine, "admin", name="Ada Admin")


@pytest.fixture
def category(engine: Any) -> Category:
    with db.write(engine) as s:
        cat = Category(slug="spaces", name="Spaces", name_zh="空间")
        s.add(cat)
        s.flush()
        other = Category(slug="digital", name="Digital services", name_zh="数字服务", position=1)
        s.add(other)
    return cat


def login_as(client: Client, user: User) -> None:
    """Sign `client` in as `user` through the real sign-in form."""
    response = client.post("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, response.text


# -- Close the loop: a real SMTP server and the notification worker, in-process --------------


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on a free port; yields its inbox (`.url`, `.messages`)."""
    from tests.smtp import start

    controller, inbox = start()
    yield inbox
    controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: Any) -> Settings:
    """The test settings, sending email to `smtp_server`."""
    import dataclasses

    return dataclasses.replace(settings, smtp_url=smtp_server.url)


@pytest.fixture
def worker(mail_settings: Settings, engine: Any) -> Any:
    """The notification worker, driven by calling `worker.step()` in the test. Like
    `portal worker`, it builds its emails' addresses from the app's routes without an app."""
    from portal.app import routes
    from portal.notifications.worker import Worker
    from portal.web import urls

    urls.use(routes())
    return Worker(mail_settings, engine)
