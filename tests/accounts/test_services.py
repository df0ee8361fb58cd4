"""Accounts services without HTTP: creating accounts, checking passwords, roles, blocking,
ending sessions, and the `portal create-user` command."""

from __future__ import annotations

import io
import sys

import pytest
from sqlalchemy import func, select

from portal import cli
from portal.accounts import queries, services
from portal.accounts.auth import start_session
from portal.accounts.models import LoginSession, User
from portal.accounts.passwords import verify_password
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, ValidationError
from tests.conftest import PASSWORD

SAME_MESSAGE = "The email address or password is not right."


def _create(engine, **fields):
    values = {"email": "reader@example.org", "display_name": "Reader", "password": PASSWORD}
    values.update(fields)
    with db.write(engine) as s:
        return services.create_user(db=s, **values)


def _errors(engine, **fields) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        _create(engine, **fields)
    return caught.value.errors


def _user_count(engine) -> int:
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(User)).scalar_one()


def _session_count(engine, user_id: int) -> int:
    with db.read(engine) as s:
        return s.execute(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)
        ).scalar_one()


def test_create_user_stores_an_argon2_hash_not_the_password(engine):
    user = _create(engine)
    with db.read(engine) as s:
        stored = s.get(User, user.id)
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert verify_password(stored.password_hash, PASSWORD)
    assert not verify_password(stored.password_hash, PASSWORD + "x")


def test_create_user_normalises_email_and_name(engine):
    user = _create(engine, email="  Reader@Example.ORG ", display_name="  Pat   the  Reader ")
    assert user.email == "reader@example.org"
    assert user.display_name == "Pat the Reader"
    assert user.role == "patron"


def test_create_user_rejects_a_duplicate_email_whatever_its_case(engine):
    _create(engine)
    errors = _errors(engine, email="READER@example.org", display_name="Someone else")
    assert "already exists" in errors["email"]
    assert _user_count(engine) == 1


@pytest.mark.parametrize(
    "password, words",
    [
        ("short1!", "at least 10"),
        ("password123", "too easy"),
        ("aaaaaaaaaaaa", "too easy"),
        ("x" * 1001 + "abcd", "at most 1000"),
    ],
)
def test_create_user_rejects_a_weak_password(engine, password, words):
    errors = _errors(engine, password=password)
    assert words in errors["password"]
    assert _user_count(engine) == 0


def test_create_user_rejects_the_email_as_password(engine):
    errors = _errors(engine, email="longname@example.org", password="LongName@example.org")
    assert "must not be your email" in errors["password"]


@pytest.mark.parametrize(
    "email",
    [
        "",
        "not-an-email",
        "a@b",
        "two@@example.org",
        "sp ace@x.org",
        "root,someone@example.org",
        "root@example.org,someone@example.org",
        "someone@example.org\nBcc: root@example.org",
        "<root@example.org>",
        '"quoted"@example.org',
        "dot.@example.org",
        "someone@[127.0.0.1]",
        "someone@localhost",
        "用户@example.org",
    ],
)
def test_create_user_rejects_an_invalid_email(engine, email):
    errors = _errors(engine, email=email)
    assert "email" in errors
    assert _user_count(engine) == 0


def test_create_user_stores_the_address_normalised(engine):
    user = _create(engine, email="  Reader@EXAMPLE.org ")
    assert user.email == "reader@example.org"
    other = _create(engine, email="ada@bücher.example", display_name="Ada")
    assert other.email == "ada@xn--bcher-kva.example"  # one spelling for every way to type it
    with db.read(engine) as s:
        assert queries.user_by_email(s, "Ada@Bücher.Example").id == other.id


def test_create_user_rejects_an_empty_or_blank_name(engine):
    assert "name" in _errors(engine, display_name="")["display_name"]
    assert "display_name" in _errors(engine, display_name="   ")
    assert "80" in _errors(engine, display_name="n" * 81)["display_name"]
    assert _user_count(engine) == 0


def test_create_user_names_every_bad_field_at_once(engine):
    errors = _errors(engine, email="nope", display_name="", password="short", role="king")
    assert set(errors) == {"email", "display_name", "password", "role"}


def test_authenticate_accepts_the_right_password_in_any_email_case(engine, patron):
    with db.read(engine) as s:
        user = services.authenticate(db=s, email=patron.email.upper(), password=PASSWORD)
    assert user.id == patron.id


def test_authenticate_gives_the_same_message_for_wrong_password_and_unknown_email(engine, patron):
    with db.read(engine) as s:
        with pytest.raises(ValidationError) as wrong_password:
            services.authenticate(db=s, email=patron.email, password="not the password")
        with pytest.raises(ValidationError) as unknown_email:
            services.authenticate(db=s, email="nobody@example.org", password=PASSWORD)
    assert wrong_password.value.errors == unknown_email.value.errors
    assert wrong_password.value.errors == {"email": SAME_MESSAGE}


def test_authenticate_refuses_a_blocked_user(engine, patron):
    with db.write(engine) as s:
        s.get(User, patron.id).blocked_at = utcnow()
    with db.read(engine) as s, pytest.raises(ValidationError) as caught:
        services.authenticate(db=s, email=patron.email, password=PASSWORD)
    assert "blocked" in caught.value.errors["email"]


def test_authenticate_refuses_an_account_without_password(engine):
    with db.write(engine) as s:
        s.add(User(email="sso@example.org", display_name="SSO only", password_hash=None))
    with db.read(engine) as s, pytest.raises(ValidationError) as caught:
        services.authenticate(db=s, email="sso@example.org", password="")
    assert caught.value.errors == {"email": SAME_MESSAGE}


def test_set_role_changes_the_role_and_ends_every_session(engine, admin, patron):
    with db.write(engine) as s:
        start_session(s, patron)
        start_session(s, patron)
    assert _session_count(engine, patron.id) == 2
    with db.write(engine) as s:
        services.set_role(db=s, actor=admin, user_id=patron.id, role="staff")
    with db.read(engine) as s:
        assert s.get(User, patron.id).role == "staff"
    assert _session_count(engine, patron.id) == 0


def test_set_role_is_for_admins_only(engine, staff, patron):
    with db.write(engine) as s:
        start_session(s, patron)
    with pytest.raises(Forbidden), db.write(engine) as s:
        services.set_role(db=s, actor=staff, user_id=patron.id, role="admin")
    with db.read(engine) as s:
        assert s.get(User, patron.id).role == "patron"
    assert _session_count(engine, patron.id) == 1


def test_set_role_rejects_an_unknown_role_or_user(engine, admin, patron):
    with pytest.raises(ValidationError), db.write(engine) as s:
        services.set_role(db=s, actor=admin, user_id=patron.id, role="king")
    with pytest.raises(ValidationError), db.write(engine) as s:
        services.set_role(db=s, actor=admin, user_id=999_999, role="staff")
    with db.read(engine) as s:
        assert s.get(User, patron.id).role == "patron"


def test_end_all_sessions_touches_only_that_person(engine, patron, other_patron):
    with db.write(engine) as s:
        start_session(s, patron)
        start_session(s, other_patron)
    with db.write(engine) as s:
        services.end_all_sessions(db=s, user_id=patron.id)
    assert _session_count(engine, patron.id) == 0
    assert _session_count(engine, other_patron.id) == 1


# `portal create-user` -------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    """Point the command at the test database; the password arrives on stdin."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path / "var"))

    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    return feed


def test_cli_create_user_reads_the_password_from_stdin(cli_env, engine, capsys):
    cli_env(PASSWORD + "\n")
    assert cli.main(["create-user", "Head@Example.org", "--role", "staff"]) == 0
    assert "Created head@example.org with role staff" in capsys.readouterr().out
    with db.read(engine) as s:
        user = services.authenticate(db=s, email="head@example.org", password=PASSWORD)
    assert user.role == "staff"
    assert user.display_name == "Head"
    assert PASSWORD not in user.password_hash


def test_cli_create_user_rejects_a_weak_password_with_exit_1(cli_env, engine, capsys):
    cli_env("short\n")
    assert cli.main(["create-user", "weak@example.org", "--role", "admin"]) == 1
    assert "password:" in capsys.readouterr().err
    assert _user_count(engine) == 0


def test_cli_create_user_rejects_a_duplicate_with_exit_1(cli_env, engine, patron, capsys):
    cli_env(PASSWORD + "\n")
    assert cli.main(["create-user", patron.email.upper()]) == 1
    assert "already exists" in capsys.readouterr().err
    assert _user_count(engine) == 1


def test_cli_create_user_rejects_an_unknown_role(cli_env, engine, capsys):
    cli_env(PASSWORD + "\n")
    with pytest.raises(SystemExit) as caught:
        cli.main(["create-user", "king@example.org", "--role", "king"])
    # argparse refuses it as a usage error (exit 2) before any password is read.
    assert caught.value.code != 0
    assert "invalid choice: 'king'" in capsys.readouterr().err
    assert _user_count(engine) == 0
