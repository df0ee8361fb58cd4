"""Signing up and confirming the address, through HTTP and the real worker and SMTP server:
the answer never tells whether an address has an account, the email says what to do, the
link confirms once within 48 hours and signs in, and until then the person reads and follows
but does not take part, and gets no other email."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import func, select, update

from portal.accounts.auth import COOKIE as SESSION_COOKIE
from portal.accounts.models import AccountToken, User
from portal.core import db
from portal.core.clock import utcnow
from portal.ideas.models import Idea
from portal.notifications.models import EmailOutbox, Notification
from portal.votes.models import Follow
from tests import factories as f
from tests.conftest import PASSWORD, Client
from tests.core.ratelimit.conftest import one_window  # noqa: F401 - every attempt in one window

NEW = {"email": "Nia.New@Example.org", "display_name": "Nia New", "password": PASSWORD}


def _count(engine: Any, table: Any, *where: Any) -> int:
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _user(engine: Any, email: str) -> User | None:
    with db.read(engine) as s:
        return s.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _mail(worker: Any, inbox: Any, address: str) -> list[EmailMessage]:
    worker.step()
    return inbox.by_recipient(address)


def link_in(message: EmailMessage, path: str) -> str:
    """The address on this site that the email links to under `path` (without the host)."""
    found = re.search(rf"http://testserver({re.escape(path)}\S*)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def sign_up(client: Client, **fields: str) -> Any:
    return client.post("/signup", {**NEW, **fields})


def confirm_from_email(client: Client, message: EmailMessage) -> Any:
    path = link_in(message, "/account/confirm/")
    assert client.get(path).status_code == 200
    return client.post(path)


def test_signup_makes_an_unconfirmed_account_and_asks_to_check_the_email(client, engine):
    response = sign_up(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/signup/sent"
    assert SESSION_COOKIE not in client.cookies  # nobody is signed in before confirming
    assert "Check your email" in client.get("/signup/sent").text
    user = _user(engine, "nia.new@example.org")
    assert user is not None and user.email_confirmed_at is None
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_signup_answers_the_same_whether_or_not_the_address_has_an_account(
    app, client, engine, patron
):
    with Client(app, base_url="http://testserver") as other:
        new = sign_up(client, email="brand-new@example.org")
        taken = sign_up(other, email=patron.email.upper(), display_name="Copy Cat")
    assert new.status_code == taken.status_code == 303
    assert new.headers["location"] == taken.headers["location"] == "/signup/sent"
    assert new.cookies.keys() == taken.cookies.keys()
    assert _count(engine, User, User.email == patron.email) == 1
    assert _user(engine, patron.email).display_name == "Pat Reader"  # nothing changed


def test_the_new_address_gets_a_confirmation_link_and_the_taken_one_what_to_do(
    client, engine, worker, smtp_server, patron
):
    sign_up(client, email="brand-new@example.org")
    sign_up(client, email=patron.email, display_name="Copy Cat")
    (confirm,) = _mail(worker, smtp_server, "brand-new@example.org")
    assert confirm["Subject"] == "Confirm your email address"
    assert "/account/confirm/" in confirm.get_content()
    assert "List-Unsubscribe" not in confirm  # an account email: nothing to switch off
    (told,) = _mail(worker, smtp_server, patron.email)
    assert told["Subject"] == "Someone tried to sign up with your email address"
    body = told.get_content()
    assert "http://testserver/login" in body and "http://testserver/password/forgot" in body
    assert "/account/confirm/" not in body and "Copy Cat" not in body


def test_a_bad_signup_names_each_field_and_stores_nothing(client, engine):
    response = sign_up(client, email="root,someone@example.org", password="short")
    assert response.status_code == 400
    assert "name@example.org" in response.text and "at least 10" in response.text
    assert 'value="root,someone@example.org"' in response.text
    assert _count(engine, User) == 0 and _count(engine, EmailOutbox) == 0


def test_following_the_link_confirms_once_and_signs_in(client, engine, worker, smtp_server, app):
    sign_up(client)
    (message,) = _mail(worker, smtp_server, "nia.new@example.org")
    path = link_in(message, "/account/confirm/")
    page = client.get(path)
    assert page.status_code == 200 and "nia.new@example.org" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "same-origin"
    assert _user(engine, "nia.new@example.org").email_confirmed_at is None  # a GET changes nothing
    response = client.post(path)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.cookies.get(SESSION_COOKIE)
    assert _user(engine, "nia.new@example.org").email_confirmed_at is not None
    assert "Thank you: your email address is confirmed" in client.get("/").text
    with Client(app, base_url="http://testserver") as replay:
        again = replay.post(path)
        assert again.status_code == 400 and "already been used" in again.text
        assert SESSION_COOKIE not in replay.cookies
    assert _count(engine, AccountToken) == 0


def test_a_confirmation_link_expires_after_48_hours(client, engine, worker, smtp_server):
    sign_up(client)
    (message,) = _mail(worker, smtp_server, "nia.new@example.org")
    with db.read(engine) as s:
        token = s.execute(select(AccountToken)).scalar_one()
    assert token.expires_at - token.created_at == timedelta(hours=48)
    with db.write(engine) as s:
        s.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = client.post(link_in(message, "/account/confirm/"))
    assert response.status_code == 400 and "expired" in response.text
    assert _user(engine, "nia.new@example.org").email_confirmed_at is None


@pytest.mark.parametrize("token", ["nonsense", "x" * 200, "%00", "../../etc/passwd", "a" * 43])
def test_a_made_up_link_confirms_nothing(client, engine, token):
    sign_up(client)
    response = client.post(f"/account/confirm/{token}")
    assert response.status_code in (400, 404)
    assert _user(engine, "nia.new@example.org").email_confirmed_at is None


def _signed_in_unconfirmed(client: Client, engine: Any) -> User:
    sign_up(client)
    response = client.post("/login", {"email": NEW["email"], "password": PASSWORD})
    assert response.status_code == 303
    return _user(engine, "nia.new@example.org")


def test_an_unconfirmed_person_sees_why_on_every_page_and_can_get_the_link_again(
    client, engine, worker, smtp_server
):
    _signed_in_unconfirmed(client, engine)
    for page in ("/", "/ideas", "/account"):
        html = client.get(page).text
        assert "Please confirm your email address" in html, page
        assert 'action="/account/confirmation"' in html
    response = client.post("/account/confirmation", {"next": "/ideas"})
    assert response.status_code == 303 and response.headers["location"] == "/ideas"
    assert "We sent the link again" in client.get("/ideas").text
    messages = _mail(worker, smtp_server, "nia.new@example.org")
    assert [m["Subject"] for m in messages] == ["Confirm your email address"] * 2
    assert confirm_from_email(client, messages[0]).status_code == 303  # the first still works
    assert "Please confirm your email address" not in client.get("/").text


def test_sending_the_link_again_is_limited(client, engine, worker, smtp_server):
    _signed_in_unconfirmed(client, engine)
    for _ in range(8):
        assert client.post("/account/confirmation", {"next": "/"}).status_code == 303
    # One at sign-up and four more: then the address gets no more links for a while.
    assert len(_mail(worker, smtp_server, "nia.new@example.org")) == 5


def test_an_unconfirmed_person_reads_and_follows_but_takes_no_part(client, engine, staff, category):
    idea = f.idea(engine, staff, category)
    person = _signed_in_unconfirmed(client, engine)
    assert client.get(f"/ideas/{idea.id}").status_code == 200
    assert client.post(f"/ideas/{idea.id}/follow", {"action": "add"}).status_code == 303
    assert _count(engine, Follow, Follow.user_id == person.id) == 1
    attempts = {
        "vote": client.post(f"/ideas/{idea.id}/vote", {"action": "add"}),
        "comment": client.post(f"/ideas/{idea.id}/comments", {"body": "Me too"}),
        "propose": client.post(
            "/ideas/new", {"title": "Mine", "body": "Please.", "category_id": str(category.id)}
        ),
    }
    for what, response in attempts.items():
        assert response.status_code == 403, what
        assert "Confirm your email address first" in response.text, what
    assert f.votes_of(engine, idea.id) == set()
    assert _count(engine, Idea, Idea.author_id == person.id) == 0


def test_the_worker_sends_an_unconfirmed_person_no_notification_email(
    client, engine, worker, smtp_server, staff, category
):
    idea = f.idea(engine, staff, category)
    person = _signed_in_unconfirmed(client, engine)
    client.post(f"/ideas/{idea.id}/follow", {"action": "add"})
    f.comment(engine, staff, idea.id, "An answer from the library")
    messages = _mail(worker, smtp_server, "nia.new@example.org")
    assert [m["Subject"] for m in messages] == ["Confirm your email address"]
    # Told in the portal all the same.
    assert _count(engine, Notification, Notification.user_id == person.id) == 1


def test_people_who_sign_up_one_after_another_each_get_their_own_link(
    app, client, engine, worker, smtp_server
):
    for n in range(3):  # a used link's row is gone, and its id may be given out again
        with Client(app, base_url="http://testserver") as browser:
            assert sign_up(browser, email=f"reader{n}@example.org").status_code == 303
            (message,) = _mail(worker, smtp_server, f"reader{n}@example.org")
            assert confirm_from_email(browser, message).status_code == 303
    with db.read(engine) as s:
        confirmed = s.execute(select(User.email).where(User.email_confirmed_at.is_not(None)))
        assert sorted(confirmed.scalars()) == [f"reader{n}@example.org" for n in range(3)]


def test_a_local_demo_writes_the_confirmation_link_to_the_worker_log(
    client, engine, settings, caplog
):
    import dataclasses
    import logging

    from portal.notifications.worker import Worker

    sign_up(client)
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        Worker(dataclasses.replace(settings, smtp_url="log://"), engine).step()
    assert "http://testserver/account/confirm/" in caplog.text
