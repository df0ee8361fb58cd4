"""Reply addresses of notification emails: `ideas+TOKEN@library.example.org`, where the token
names one person and one idea (portal.inbound turns a reply into that person's comment).

The token is sealed with AES-SIV under a key derived from SECRET_KEY (as unsubscribe links
are, for another purpose): nobody without the key can read it, forge one or change the person
or the idea in it. It is written in lower-case base32, since mail systems may change the case
of an address's local part; 52 characters, so the whole local part stays under 64.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PURPOSE = b"portal reply address v1"
_PLAIN = struct.Struct(">QQ")  # the person's id, the idea's id
_TOKEN = re.compile("[a-z2-7]{52}")


@lru_cache(maxsize=4)
def _cipher(secret: str) -> AESSIV:
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=PURPOSE).derive(
        secret.encode()
    )
    return AESSIV(key)


def make_token(secret: str, user_id: int, idea_id: int) -> str:
    sealed = _cipher(secret).encrypt(_PLAIN.pack(user_id, idea_id), [PURPOSE])
    return base64.b32encode(sealed).decode("ascii").rstrip("=").lower()


def read_token(secret: str, token: str) -> tuple[int, int] | None:
    """(person's id, idea's id) from a token, or None when it is not one we made."""
    token = token.lower()
    if not _TOKEN.fullmatch(token):
        return None
    try:
        sealed = base64.b32decode(token.upper() + "====")
    except binascii.Error:
        return None
    # base32 lets the last character vary in bits it does not use: one token, one spelling.
    if base64.b32encode(sealed).decode("ascii").rstrip("=").lower() != token:
        return None
    try:
        user_id, idea_id = _PLAIN.unpack(_cipher(secret).decrypt(sealed, [PURPOSE]))
    except (InvalidTag, struct.error):
        return None
    return int(user_id), int(idea_id)


def reply_address(inbound: str, secret: str, user_id: int, idea_id: int) -> str:
    """`ideas+TOKEN@host` for INBOUND_ADDRESS `ideas@host`."""
    local, _, domain = inbound.rpartition("@")
    return f"{local}+{make_token(secret, user_id, idea_id)}@{domain}"


def split_address(inbound: str, address: str) -> tuple[bool, str | None]:
    """Whether `address` is INBOUND_ADDRESS (with or without a +tag), and its tag."""
    local, _, domain = inbound.lower().rpartition("@")
    got_local, _, got_domain = address.lower().strip().rpartition("@")
    base, plus, tag = got_local.partition("+")
    if got_domain != domain or base != local:
        return False, None
    return True, tag if plus else None
