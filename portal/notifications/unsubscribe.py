"""One-click unsubscribe links. The token names the person and the kind of email, so it works
signed out, without a lookup.

It is sealed with AES-SIV (authenticated encryption, from `cryptography`) under a key derived
from SECRET_KEY: nobody without the key can read whom it is for, or forge or alter one (the
token before it was signed, not sealed: its readable half showed the person's number). AES-SIV
is deterministic, so one person's link for one kind of email is always the same, and short:
54 characters.
"""

from __future__ import annotations

import base64
import re
import struct
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, URLSafeSerializer

from portal.web.urls import path_for

PURPOSE = b"portal unsubscribe link v2"
# The person's number and the kind, padded to one length, so that tokens all look alike.
_PLAIN = struct.Struct(">Q16s")
_TOKEN = re.compile("[A-Za-z0-9_-]{54}")
LEGACY_SALT = "unsubscribe-v1"


@lru_cache(maxsize=4)
def _cipher(secret: str) -> AESSIV:
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=PURPOSE).derive(
        secret.encode()
    )
    return AESSIV(key)


def make_token(secret: str, user_id: int, kind: str) -> str:
    code = kind.encode("ascii")
    if len(code) > 16:  # struct would cut it short without a word
        raise ValueError(f"kind too long for a token: {kind!r}")
    sealed = _cipher(secret).encrypt(_PLAIN.pack(user_id, code), [PURPOSE])
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def read_token(secret: str, token: str) -> tuple[int, str] | None:
    """(user id, kind) from a token, or None when it is not one we made."""
    if "." in token:
        return _read_signed(secret, token)
    if not _TOKEN.fullmatch(token):
        return None
    sealed = base64.urlsafe_b64decode(token + "==")
    # base64 lets the last character vary in bits it does not use: one token, one spelling.
    if base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii") != token:
        return None
    try:
        user_id, code = _PLAIN.unpack(_cipher(secret).decrypt(sealed, [PURPOSE]))
    except (InvalidTag, struct.error):
        return None
    return user_id, code.rstrip(b"\0").decode("ascii")


def _read_signed(secret: str, token: str) -> tuple[int, str] | None:
    """A link in an email written before tokens were sealed (queued then, or still in an
    inbox): signed with the same key, so still honoured. Nothing makes these any more."""
    try:
        user_id, kind = URLSafeSerializer(secret, salt=LEGACY_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(kind, str):
        return None
    return user_id, kind


def url(base_url: str, secret: str, user_id: int, kind: str) -> str:
    """The whole address of `user_id`'s one-click link for `kind`."""
    return base_url + path_for("notifications:unsubscribe", token=make_token(secret, user_id, kind))
