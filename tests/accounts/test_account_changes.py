"""Changing the name, the email address and the password on /account: bad input named beside
its field and nothing stored; a new address confirmed there before it counts, the old one
told; a new password only with the current one, ending every other login session."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import AccountToken, LoginSession, User
from portal.core import db
from portal.notifications.models import EmailOutbox
from tests.accounts.test_signup_and_confirm import _mail, link_in
from tests.conftest import PASSWORD, Client, login_as, make_user
from tests.core.ratelimit.conftest import one_window  # noqa: F401 - every attempt in one window

NEW_PASSWORD = "a fresh and longer passphrase"


def _user(engine: Any, user_id: int) -> User:
    with db.read(engine) as s:
        return s.get(User, user_id)


def _count(engine: Any, table: Any, *where: Any) -> int:
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("Error:", "").strip() if found else ""


def test_the_account_page_offers_each_change_with_labelled_fields(client, patron):
    login_as(client, patron)
    html = client.get("/account").text
    for name in ("display_name", "email", "email_password", "current_password", "password"):
        assert f'<label for="{name}">' in html, name
    for action in ("/account/name", "/account/email", "/account/password"):
        assert f'action="{action}"' in html


def test_changing_the_name(client, engine, patron):
    login_as(client, patron)
    response = client.post("/account/name", {"display_name": "  Pat   Page "})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert _user(engine, patron.id).display_name == "Pat Page"


def test_a_bad_name_is_named_and_kept_and_nothing_is_stored(client, engine, patron):
    login_as(client, patron)
    response = client.post("/account/name", {"display_name": "n" * 81})
    assert response.status_code == 400
    assert "80" in _field_error(response.text, "display_name")
    assert 'value="' + "n" * 81 + '"' in response.text
    assert _user(engine, patron.id).display_name == "Pat Reader"


def test_a_new_address_counts_only_once_confirmed_there_and_the_old_one_is_told(
    app, client, engine, worker, smtp_server, patron
):
    login_as(client, patron)
    old = patron.email
    response = client.post(
        "/account/email", {"email": "Pat.Moved@Example.org", "email_password": PASSWORD}
    )
    assert response.status_code == 303
    assert _user(engine, patron.id).email == old  # not yet
    assert "We sent a link to pat.moved@example.org" in client.get("/account").text
    (confirm,) = _mail(worker, smtp_server, "pat.moved@example.org")
    assert confirm["Subject"] == "Confirm your new email address"
    assert smtp_server.by_recipient(old) == []
    with Client(app, base_url="http://testserver") as elsewhere:  # any browser will do
        path = link_in(confirm, "/account/confirm/")
        assert elsewhere.post(path).status_code == 303
    moved = _user(engine, patron.id)
    assert moved.email == "pat.moved@example.org" and moved.email_confirmed_at is not None
    (told,) = _mail(worker, smtp_server, old)
    assert told["Subject"] == "Your email address was changed"
    assert "pat.moved@example.org" in told.get_content()
    assert client.post("/login", {"email": old, "password": PASSWORD}).status_code == 400
    login = client.post("/login", {"email": "pat.moved@example.org", "password": PASSWORD})
    assert login.status_code == 303


def test_changing_the_address_needs_the_password_and_a_valid_address(client, engine, patron):
    login_as(client, patron)
    wrong = client.post("/account/email", {"email": "x@example.org", "email_password": "nope!"})
    assert wrong.status_code == 400
    assert _field_error(wrong.text, "email_password") == "The password is not right."
    assert 'value="x@example.org"' in wrong.text
    bad = client.post("/account/email", {"email": "root,x@example.org", "email_password": PASSWORD})
    assert bad.status_code == 400 and "name@example.org" in _field_error(bad.text, "email")
    same = client.post("/account/email", {"email": patron.email, "email_password": PASSWORD})
    assert "already your email address" in _field_error(same.text, "email")
    assert _count(engine, AccountToken) == 0 and _count(engine, EmailOutbox) == 0


def test_a_new_address_that_has_an_account_by_then_is_not_taken(
    client, engine, worker, smtp_server, patron
):
    login_as(client, patron)
    client.post("/account/email", {"email": "twin@example.org", "email_password": PASSWORD})
    (confirm,) = _mail(worker, smtp_server, "twin@example.org")
    make_user(engine, email="twin@example.org")
    response = client.post(link_in(confirm, "/account/confirm/"))
    assert response.status_code == 400 and "Another account uses this email" in response.text
    assert _user(engine, patron.id).email == patron.email


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    app, client, engine, worker, smtp_server, patron
):
    with Client(app, base_url="http://testserver") as phone:
        login_as(phone, patron)
        login_as(client, patron)
        wrong = client.post(
            "/account/password", {"current_password": "not it!", "password": NEW_PASSWORD}
        )
        assert wrong.status_code == 400
        assert _field_error(wrong.text, "current_password") == "The password is not right."
        weak = client.post("/account/password", {"current_password": PASSWORD, "password": "x"})
        assert "at least 10" in _field_error(weak.text, "password")
        assert _user(engine, patron.id).password_hash == patron.password_hash
        done = client.post(
            "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD}
        )
        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert client.get("/account").status_code == 200  # still signed in here
        assert "Sign out" not in phone.get("/").text  # and nowhere else
    assert _count(engine, LoginSession, LoginSession.user_id == patron.id) == 1
    (told,) = _mail(worker, smtp_server, patron.email)
    assert told["Subject"] == "Your password was changed"
    assert (
        client.post("/login", {"email": patron.email, "password": NEW_PASSWORD}).status_code == 303
    )


def test_account_changes_need_a_signed_in_person(client, engine, patron):
    for path in ("/account/name", "/account/email", "/account/password"):
        response = client.post(path, {"display_name": "X", "email": "x@example.org"})
        assert response.status_code == 303 and response.headers["location"] == "/login", path
    assert _user(engine, patron.id).display_name == "Pat Reader"
