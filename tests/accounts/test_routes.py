"""Sign up, sign in, sign out and the account page, through HTTP as a browser would."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.accounts.auth import COOKIE as SESSION_COOKIE
from portal.accounts.models import LoginSession, User
from portal.core import db
from portal.core.clock import utcnow
from tests.conftest import PASSWORD, Client, login_as

SIGNUP = {"email": "new@example.org", "display_name": "Nia New", "password": PASSWORD}


def _count(engine, table) -> int:
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


def _field_error(html: str, name: str) -> str:
    """The message shown beside field `name` (empty when there is none)."""
    found = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("Error:", "").strip() if found else ""


def _input_value(html: str, name: str) -> str | None:
    found = re.search(rf'<input id="{name}" name="{name}"[^>]*\bvalue="([^"]*)"', html)
    return found.group(1) if found else None


def _signed_in_name(client) -> str | None:
    response = client.get("/account", follow_redirects=False)
    if response.status_code != 200:
        return None
    return re.search(r"<dt>Name</dt><dd>(.*?)</dd>", response.text).group(1)


def test_signup_page_has_labelled_fields(client):
    html = client.get("/signup").text
    for name in ("email", "display_name", "password"):
        assert f'<label for="{name}">' in html
        assert f'id="{name}"' in html


def test_signup_creates_the_account_but_signs_nobody_in(client, engine):
    response = client.post("/signup", SIGNUP)
    assert response.status_code == 303
    assert response.headers["location"] == "/signup/sent"
    assert SESSION_COOKIE not in client.cookies
    with db.read(engine) as s:
        user = s.execute(select(User).where(User.email == "new@example.org")).scalar_one()
    assert user.role == "patron" and user.display_name == "Nia New"
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash
    assert _signed_in_name(client) is None


def test_signup_with_a_taken_email_says_nothing_of_it_and_stores_nothing(client, engine, patron):
    before = _count(engine, User)
    response = client.post("/signup", {**SIGNUP, "email": patron.email.upper()})
    assert response.status_code == 303
    assert response.headers["location"] == "/signup/sent"
    assert _count(engine, User) == before
    assert SESSION_COOKIE not in client.cookies


def test_signup_with_a_weak_password_names_it_and_never_echoes_it(client, engine):
    response = client.post("/signup", {**SIGNUP, "password": "hunter2"})
    assert response.status_code == 400
    assert "at least 10" in _field_error(response.text, "password")
    assert "hunter2" not in response.text
    assert _input_value(response.text, "password") == ""
    assert _input_value(response.text, "email") == SIGNUP["email"]
    assert _count(engine, User) == 0


def test_signup_with_an_invalid_email_names_the_field(client, engine):
    response = client.post("/signup", {**SIGNUP, "email": "reader-at-example.org"})
    assert response.status_code == 400
    assert "name@example.org" in _field_error(response.text, "email")
    assert _input_value(response.text, "email") == "reader-at-example.org"
    assert 'aria-invalid="true"' in response.text
    assert _count(engine, User) == 0


def test_signup_with_an_empty_name_names_the_field(client, engine):
    response = client.post("/signup", {**SIGNUP, "display_name": "  "})
    assert response.status_code == 400
    assert "name other people will see" in _field_error(response.text, "display_name")
    assert _field_error(response.text, "email") == ""
    assert _count(engine, User) == 0


def test_signup_escapes_what_it_echoes(client):
    response = client.post("/signup", {**SIGNUP, "password": "x", "display_name": '"><b>x'})
    assert "<b>x" not in response.text
    assert "&#34;&gt;&lt;b&gt;x" in response.text


def test_login_signs_in_and_goes_to_next(client, engine, patron):
    response = client.post(
        "/login", {"email": patron.email.upper(), "password": PASSWORD, "next": "/ideas?sort=new"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ideas?sort=new"
    assert _count(engine, LoginSession) == 1
    assert _signed_in_name(client) == "Pat Reader"


def test_login_ignores_a_next_address_on_another_site(client, patron):
    response = client.post(
        "/login", {"email": patron.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.headers["location"] == "/"


def test_login_gives_no_hint_whether_the_email_exists(client, engine, patron):
    wrong_password = client.post("/login", {"email": patron.email, "password": "wrong one!"})
    unknown_email = client.post("/login", {"email": "ghost@example.org", "password": PASSWORD})
    assert wrong_password.status_code == unknown_email.status_code == 400
    message = _field_error(wrong_password.text, "email")
    assert message == "The email address or password is not right."
    assert _field_error(unknown_email.text, "email") == message
    assert _field_error(wrong_password.text, "password") == ""
    assert wrong_password.text.replace(patron.email, "X") == unknown_email.text.replace(
        "ghost@example.org", "X"
    )
    assert _count(engine, LoginSession) == 0
    assert SESSION_COOKIE not in client.cookies


def test_login_keeps_the_email_but_not_the_password(client, patron):
    response = client.post("/login", {"email": patron.email, "password": "my secret words"})
    assert _input_value(response.text, "email") == patron.email
    assert "my secret words" not in response.text


def test_login_refuses_a_blocked_user(client, engine, patron):
    with db.write(engine) as s:
        s.get(User, patron.id).blocked_at = utcnow()
    response = client.post("/login", {"email": patron.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "blocked" in _field_error(response.text, "email")
    assert _count(engine, LoginSession) == 0
    assert _signed_in_name(client) is None


def test_logout_ends_the_session(client, engine, patron):
    client.post("/login", {"email": patron.email, "password": PASSWORD})
    assert _signed_in_name(client) == "Pat Reader"
    response = client.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert _count(engine, LoginSession) == 0
    assert _signed_in_name(client) is None
    assert "Sign in" in client.get("/").text


def test_logout_leaves_other_browsers_signed_in(app, client, engine, patron):
    with Client(app, base_url="http://testserver") as phone:
        login_as(phone, patron)
        login_as(client, patron)
        client.post("/logout")
        assert _signed_in_name(phone) == "Pat Reader"
    assert _count(engine, LoginSession) == 1


def test_account_page_shows_the_person_to_themselves(client, patron):
    client.post("/login", {"email": patron.email, "password": PASSWORD})
    html = client.get("/account").text
    assert patron.email in html
    assert "<dt>Role</dt><dd>Patron</dd>" in html


def test_account_page_sends_visitors_to_sign_in(client):
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"


def test_login_page_carries_next_into_the_form(client):
    html = client.get("/login?next=/ideas/new").text
    assert '<input type="hidden" name="next" value="/ideas/new">' in html
