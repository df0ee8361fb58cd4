"""Form helpers shared by the services: lists of numbers that refer to other objects."""

from __future__ import annotations

import re
from collections.abc import Callable

from portal.db import ID_MAX


def id_list(raw: str) -> list[int] | None:
    """Numbers from text like "12, #31 40", in order, once each; None when a token is not a
    number."""
    ids: list[int] = []
    for token in [t for t in re.split(r"[\s,;]+", (raw or "").strip()) if t]:
        try:
            ids.append(int(token.lstrip("#")))
        except ValueError:
            return None
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
