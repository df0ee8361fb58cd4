"""Trending: a vote's weight doubles every week of calendar time.

An idea's `trending` is the sum of 2^((t - EPOCH) / HALF_LIFE) over its votes (and one for its
creation, so new ideas surface). Ordering by that sum is the same as ordering by votes that decay
by half each week, at any moment, yet the stored number only changes when someone votes: the
list sorts on an index instead of computing a score per row. A withdrawn vote subtracts exactly
what it added. Float64 holds the weights for about 19 years past the epoch; `rebase` rescales.
"""

from __future__ import annotations

from datetime import UTC, datetime

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
HALF_LIFE_SECONDS = 7 * 24 * 3600


def weight(at: datetime) -> float:
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return float(2 ** ((at - EPOCH).total_seconds() / HALF_LIFE_SECONDS))


def agree(stored: float, computed: float, now: datetime) -> bool:
    """Whether a kept score and one recomputed from the rows differ only by float rounding:
    adding and later subtracting a recent vote's weight leaves a residue of about 1e-16 of
    that weight, which can dwarf an old idea's own score. Differences below a billionth of the
    larger score, or below a trillionth of a vote cast `now`, change no ordering that matters."""
    return abs(stored - computed) <= max(
        1e-9 * max(abs(stored), abs(computed)), 1e-12 * weight(now)
    )
