"""Email addresses: checked with email-validator, stored in one normal form.

The normal form is the address in ASCII (an internationalised domain in its xn-- form) and in
lower case, so each way of typing an address finds the same account. No DNS is asked
(`check_deliverability=False`): the confirmation email shows whether the address works.
Local parts in other scripts than ASCII are refused, since not every mail server on the way
takes them (SMTPUTF8).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254


def normalised(text: str) -> str | None:
    """The stored form of the address `text`, or None when it is not a valid address."""
    text = text.strip()
    if not text or len(text) > MAX_LENGTH or "\x00" in text:
        return None
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    address = (valid.ascii_email or "").lower()
    return address if 0 < len(address) <= MAX_LENGTH else None


def lookup_form(text: str) -> str:
    """The form to look an account up by: the normal form, or, for text that is not a valid
    address (an account made before addresses were checked), the text lower-cased."""
    return normalised(text) or text.strip().lower()
