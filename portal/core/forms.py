"""Form helpers shared by the services and routes: the one rule for reading a number from a
form, an address or a query string, and lists of numbers that refer to other objects."""

from __future__ import annotations

import re
from collections.abc import Callable

from portal.core.db import ID_MAX

PAGE_MAX = 10_000
# ASCII digits only: \d, str.isdigit() and int() also accept "١٢" (Arabic-Indic), "１２" (full
# width), "²", "1_2" and "+12", and int() raises ValueError past 4,300 digits.
_DIGITS = re.compile("[0-9]+")


def _digits(raw: object) -> str | None:
    """`raw` without surrounding spaces and leading zeros, when it is ASCII digits only."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        return None
    return text.lstrip("0") or "0"


def number(raw: object, high: int = ID_MAX) -> int | None:
    """A whole number from 0 to `high` (by default the widest id a table holds), written in
    ASCII digits; None for anything else, so the caller names the field or answers "not
    found". An int given by code is checked against the same bounds."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw <= high else None
    digits = _digits(raw)
    if digits is None or len(digits) > len(str(high)):
        return None
    value = int(digits)
    return value if value <= high else None


def page(raw: object) -> int:
    """A page number: 1 when missing or not a number, at most PAGE_MAX (a page past the end is
    an empty page, never a query the database cannot run)."""
    digits = _digits(raw)
    if digits is None:
        return 1
    if len(digits) > len(str(PAGE_MAX)):
        return PAGE_MAX
    return max(1, min(int(digits), PAGE_MAX))


def id_list(raw: str) -> list[int] | None:
    """Numbers from text like "12, #31 40", in order, once each; None when a token is not a
    number by the rule above."""
    ids: list[int] = []
    for token in [t for t in re.split(r"[\s,;]+", (raw or "").strip()) if t]:
        value = number(token.lstrip("#"))
        if value is None:
            return None
        ids.append(value)
    return list(dict.fromkeys(ids))


def linked_ids(
    raw: str,
    existing: Callable[[set[int]], dict[int, str]],
    *,
    field: str,
    errors: dict[str, str],
    bad_format: str,
    missing: Callable[[str], str],
) -> list[int]:
    """Parse a list of ids that must all exist; on a problem, note it under `field`."""
    ids = id_list(raw)
    if ids is None:
        errors[field] = bad_format
        return []
    found = existing({i for i in ids if 0 < i <= ID_MAX})
    absent = [i for i in ids if i not in found]
    if absent:
        errors[field] = missing(", ".join(map(str, absent)))
    return ids
