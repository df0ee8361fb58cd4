"""A forgotten password, through HTTP and the real worker and SMTP server: /password/forgot
answers the same whether or not the address has an account; the link works once, within an
hour; using it sets the new password, ends every other login session and signs in here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from portal.accounts.auth import COOKIE as SESSION_COOKIE
from portal.accounts.models import AccountToken, LoginSession, User
from portal.core import db
from portal.core.clock import utcnow
from portal.notifications.models import EmailOutbox
from tests.accounts.test_signup_and_confirm import _mail, link_in, sign_up
from tests.conftest import PASSWORD, Client, login_as
from tests.core.ratelimit.conftest import one_window  # noqa: F401 - every attempt in one window

NEW_PASSWORD = "a fresh and longer passphrase"


def _count(engine: Any, table: Any, *where: Any) -> int:
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _reset_link(client: Client, worker: Any, inbox: Any, address: str) -> str:
    assert client.post("/password/forgot", {"email": address}).status_code == 303
    messages = [m for m in _mail(worker, inbox, address) if "new password" in m["Subject"]]
    return link_in(messages[-1], "/password/reset/")


def test_forgot_answers_the_same_whether_or_not_the_address_has_an_account(client, engine, patron):
    known = client.post("/password/forgot", {"email": patron.email})
    unknown = client.post("/password/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/password/forgot/sent"
    assert "If an account uses the address you gave" in client.get("/password/forgot/sent").text
    assert _count(engine, EmailOutbox) == 1  # only the account's address is written to


def test_forgot_names_a_bad_address_next_to_the_field(client, engine):
    response = client.post("/password/forgot", {"email": "root,someone@example.org"})
    assert response.status_code == 400
    assert "name@example.org" in response.text
    assert 'value="root,someone@example.org"' in response.text
    assert _count(engine, EmailOutbox) == 0


def test_the_reset_link_sets_the_password_ends_other_sessions_and_signs_in(
    app, client, engine, worker, smtp_server, patron
):
    with Client(app, base_url="http://testserver") as phone:
        login_as(phone, patron)
        path = _reset_link(client, worker, smtp_server, patron.email)
        page = client.get(path)
        assert page.status_code == 200 and "Choose a new password" in page.text
        assert page.headers["cache-control"] == "no-store"
        response = client.post(path, {"password": NEW_PASSWORD})
        assert response.status_code == 303 and response.headers["location"] == "/"
        assert client.cookies.get(SESSION_COOKIE)
        assert _count(engine, LoginSession, LoginSession.user_id == patron.id) == 1
        assert "Sign out" not in phone.get("/").text  # the phone was signed out
    with Client(app, base_url="http://testserver") as later:
        old = later.post("/login", {"email": patron.email, "password": PASSWORD})
        assert old.status_code == 400
        new = later.post("/login", {"email": patron.email, "password": NEW_PASSWORD})
        assert new.status_code == 303
        again = later.post(path, {"password": "yet another passphrase"})
        assert again.status_code == 400 and "already been used" in again.text


def test_a_weak_new_password_is_named_and_the_link_still_works(
    client, engine, worker, smtp_server, patron
):
    path = _reset_link(client, worker, smtp_server, patron.email)
    weak = client.post(path, {"password": "short"})
    assert weak.status_code == 400 and "at least 10" in weak.text
    assert 'value="short"' not in weak.text  # a password is never sent back
    assert client.post(path, {"password": NEW_PASSWORD}).status_code == 303


def test_a_reset_link_lasts_one_hour(client, engine, worker, smtp_server, patron):
    path = _reset_link(client, worker, smtp_server, patron.email)
    with db.read(engine) as s:
        token = s.execute(select(AccountToken)).scalar_one()
    assert token.expires_at - token.created_at == timedelta(hours=1)
    with db.write(engine) as s:
        s.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = client.post(path, {"password": NEW_PASSWORD})
    assert response.status_code == 400 and "expired" in response.text
    with db.read(engine) as s:
        assert s.get(User, patron.id).password_hash == patron.password_hash


def test_a_reset_confirms_an_unconfirmed_address(client, engine, worker, smtp_server):
    sign_up(client)
    path = _reset_link(client, worker, smtp_server, "nia.new@example.org")
    assert client.post(path, {"password": NEW_PASSWORD}).status_code == 303
    with db.read(engine) as s:
        user = s.execute(select(User).where(User.email == "nia.new@example.org")).scalar_one()
    assert user.email_confirmed_at is not None


def test_asking_for_reset_links_is_limited_per_address(client, engine, patron):
    for _ in range(8):
        assert client.post("/password/forgot", {"email": patron.email}).status_code == 303
    assert _count(engine, EmailOutbox) == 5  # then no more emails to that address for a while
