"""Signed one-click unsubscribe links: the token names the person and the kind of email, so
it works signed out, and cannot be forged or altered without the secret key."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "unsubscribe-v1"


def make_token(secret: str, user_id: int, kind: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps([user_id, kind])


def read_token(secret: str, token: str) -> tuple[int, str] | None:
    """(user id, kind) from a token, or None when it is not one we signed."""
    try:
        user_id, kind = URLSafeSerializer(secret, salt=SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(kind, str):
        return None
    return user_id, kind


def url(base_url: str, secret: str, user_id: int, kind: str) -> str:
    return f"{base_url}/unsubscribe/{make_token(secret, user_id, kind)}"
