"""portal.accounts.oidc without a provider: which account an identity signs in to, linking by
password, and the signed, short-lived pending link."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from portal.accounts import oidc, services
from portal.accounts.models import Identity, User
from portal.core import db
from portal.core.errors import ValidationError
from tests.conftest import make_user

ISSUER = "https://login.example.edu"


def _claims(subject: str = "s-1", email: str = "lee@example.org", **changes) -> oidc.Claims:
    values = dict(issuer=ISSUER, subject=subject, email=email, email_verified=True, name="Lee Ling")
    values.update(changes)
    return oidc.Claims(**values)


def _sign_in(engine, claims: oidc.Claims) -> User:
    with db.write(engine) as s:
        return oidc.sign_in(db=s, claims=claims, provider_name="University account")


def _count(engine, table) -> int:
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_new_identity_gets_an_account_without_a_password(engine):
    user = _sign_in(engine, _claims())
    assert (user.email, user.display_name, user.password_hash) == (
        "lee@example.org",
        "Lee Ling",
        None,
    )
    with db.read(engine) as s:
        identity = s.execute(select(Identity)).scalar_one()
    assert (identity.user_id, identity.issuer, identity.subject) == (user.id, ISSUER, "s-1")
    # Such an account has no password to sign in with.
    with db.read(engine) as s, pytest.raises(ValidationError):
        services.authenticate(db=s, email="lee@example.org", password="")


def test_the_identity_not_the_email_finds_the_account(engine):
    user = _sign_in(engine, _claims())
    again = _sign_in(engine, _claims(email="changed@example.org", name="Lee Changed"))
    assert again.id == user.id
    assert _count(engine, User) == 1


def test_the_same_subject_at_another_issuer_is_another_person(engine):
    _sign_in(engine, _claims())
    with pytest.raises(oidc.NeedsLink):  # same email, other issuer: a password is needed
        _sign_in(engine, _claims(issuer="https://other.example.edu"))
    assert _count(engine, Identity) == 1


def test_a_name_is_made_from_the_email_when_the_provider_gives_none(engine):
    assert _sign_in(engine, _claims(name="")).display_name == "lee"


def test_a_long_name_is_shortened_to_fit(engine):
    assert len(_sign_in(engine, _claims(name="L" * 200)).display_name) == 80


@pytest.mark.parametrize("claims", [_claims(email_verified=False), _claims(email="")])
def test_no_account_is_made_for_an_unverified_or_missing_email(engine, claims):
    with pytest.raises(oidc.SignInRefused) as refused:
        _sign_in(engine, claims)
    assert refused.value.status == 400
    assert "verified email address" in refused.value.message
    assert _count(engine, User) == 0


def test_an_unverified_email_is_not_offered_a_link_to_the_local_account(engine, patron):
    with pytest.raises(oidc.SignInRefused):
        _sign_in(engine, _claims(email=patron.email, email_verified=False))
    assert _count(engine, Identity) == 0


def test_a_local_account_with_the_email_needs_its_password(engine, patron):
    with pytest.raises(oidc.NeedsLink):
        _sign_in(engine, _claims(email=patron.email))
    assert _count(engine, Identity) == 0


def test_linking_needs_the_password_of_the_account_with_that_email(engine, patron, other_patron):
    pending = oidc.PendingLink(ISSUER, "s-9", patron.email, "/")
    for proven in (None, other_patron.id):  # a wrong password, or another account's
        with db.write(engine) as s, pytest.raises(ValidationError) as wrong:
            oidc.link(db=s, pending=pending, account_id=proven)
        assert wrong.value.errors == {"password": "That is not the password of this account."}
    assert _count(engine, Identity) == 0
    with db.write(engine) as s:
        assert oidc.link(db=s, pending=pending, account_id=patron.id).id == patron.id
    assert _sign_in(engine, _claims(subject="s-9", email=patron.email)).id == patron.id


def test_an_identity_of_one_person_cannot_be_linked_to_another(engine, patron):
    _sign_in(engine, _claims(subject="s-2", email="first@example.org"))
    pending = oidc.PendingLink(ISSUER, "s-2", patron.email, "/")
    with db.write(engine) as s, pytest.raises(ValidationError):
        oidc.link(db=s, pending=pending, account_id=patron.id)
    with db.read(engine) as s:
        assert s.execute(select(Identity.user_id)).scalar_one() != patron.id


def test_a_blocked_account_is_refused_both_ways(engine):
    user = _sign_in(engine, _claims())
    local = make_user(engine, email="local@example.org")
    with db.write(engine) as s:
        for blocked in (s.get(User, user.id), s.get(User, local.id)):
            blocked.blocked_at = blocked.created_at
    with pytest.raises(oidc.SignInRefused):
        _sign_in(engine, _claims())
    pending = oidc.PendingLink(ISSUER, "s-3", "local@example.org", "/")
    with db.write(engine) as s, pytest.raises(ValidationError) as refused:
        oidc.link(db=s, pending=pending, account_id=local.id)
    assert "blocked" in refused.value.errors["password"]


# --- The pending link ----------------------------------------------------------------------------


def _request(settings) -> SimpleNamespace:
    return SimpleNamespace(
        session={}, app=SimpleNamespace(state=SimpleNamespace(settings=settings))
    )


def test_the_pending_link_round_trips_and_is_signed(settings):
    request = _request(settings)
    oidc.remember_link(request, _claims(), "/ideas")
    assert oidc.pending_link(request) == oidc.PendingLink(
        ISSUER, "s-1", "lee@example.org", "/ideas"
    )
    request.session["link"] = request.session["link"][:-2] + "xx"
    assert oidc.pending_link(request) is None


def test_the_pending_link_lasts_ten_minutes(settings, monkeypatch):
    request = _request(settings)
    eleven_minutes_ago = int(time.time()) - 660
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: eleven_minutes_ago)
        oidc.remember_link(request, _claims(), "/")
    assert oidc.pending_link(request) is None


def test_the_pending_link_of_another_site_does_not_pass(settings):
    import dataclasses

    request = _request(settings)
    other = _request(dataclasses.replace(settings, secret_key="another site's key"))
    oidc.remember_link(other, _claims(), "/")
    request.session["link"] = other.session["link"]
    assert oidc.pending_link(request) is None
