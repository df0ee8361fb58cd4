"""Survey statistics as pure functions: no database, no HTTP, only numbers in and out.

- `describe`: n, mean, sample standard deviation (n - 1) and the 95% confidence interval of the
  mean with Student's t on n - 1 degrees of freedom.
- `gaps`: for three-column items (minimum, desired, perceived, as LibQUAL+), the adequacy gap
  (perceived - minimum) and the superiority gap (perceived - desired), each computed per response
  over the responses that rated both columns involved, then described like a mean.
- `cronbach_alpha` and `reliability`: Cronbach's alpha over the complete responses (rows with any
  missing rating are dropped), and alpha if each item were dropped.
- `compare`: two rounds side by side, the difference of means with its 95% interval by Welch's t.
- `describe_groups` and `merge_small_groups`: per user group, and the small groups merged into
  "other" so that a public page never shows a group of fewer than five responses.
- `response_means`: a dimension's score per response, the mean of the items it rated.

For a dimension's alpha over three-column items, pass the perceived ratings.

A missing rating (unanswered, or "not applicable") is None and counts nowhere. The t quantile is
scipy's (`scipy.special.stdtrit`, what `scipy.stats.t.ppf` calls), checked in
tests/surveys/test_stats.py against scipy.stats and pingouin; everything else is plain Python
with `math.fsum`, so sums of thousands of ratings stay exact to the last bit that matters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from scipy.special import stdtrit

Rating = float | None
T = TypeVar("T")

CONFIDENCE = 0.95
# Groups with fewer responses than this are not shown on their own on public pages.
SMALLEST_PUBLIC_GROUP = 5
OTHER = "other"


@dataclass(frozen=True)
class Summary:
    """A set of ratings described: None where the ratings are too few to say."""

    n: int
    mean: float | None
    sd: float | None
    ci95_low: float | None
    ci95_high: float | None


class ThreeColumns(NamedTuple):
    """One response's ratings of a three-column item (each None when not given)."""

    minimum: Rating
    desired: Rating
    perceived: Rating


@dataclass(frozen=True)
class ThreeColumnSummary:
    """A three-column item's columns described, and its two gaps."""

    minimum: Summary
    desired: Summary
    perceived: Summary
    adequacy_gap: Summary
    superiority_gap: Summary


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha over `n` complete responses, and alpha with each item dropped in turn."""

    n: int
    alpha: float | None
    alpha_if_dropped: tuple[float | None, ...]


@dataclass(frozen=True)
class Change:
    """Round b against round a: the difference of means (b - a) and its 95% interval (Welch)."""

    a: Summary
    b: Summary
    difference: float | None
    ci95_low: float | None
    ci95_high: float | None


def t_quantile(probability: float, df: float) -> float:
    """The `probability` quantile of Student's t with `df` degrees of freedom (df may be
    fractional, as Welch's is)."""
    return float(stdtrit(df, probability))


def _given(values: Iterable[Rating]) -> list[float]:
    return [float(v) for v in values if v is not None]


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def _variance(xs: Sequence[float]) -> float:
    """The sample variance (n - 1), in two passes: the mean first, so large ratings lose nothing."""
    mean = _mean(xs)
    return math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1)


def _half_width(se: float, df: float) -> float:
    return t_quantile(0.5 + CONFIDENCE / 2, df) * se


def describe(values: Iterable[Rating]) -> Summary:
    """n, mean, sample sd and the 95% t interval of the mean of the given ratings.

    No rating: everything None but n. One rating: its mean, no sd, no interval. When every
    rating is the same, the sd is 0 and the interval is that value on both sides.
    """
    xs = _given(values)
    n = len(xs)
    if n == 0:
        return Summary(0, None, None, None, None)
    mean = _mean(xs)
    if n == 1:
        return Summary(1, mean, None, None, None)
    sd = math.sqrt(_variance(xs))
    half = _half_width(sd / math.sqrt(n), n - 1)
    return Summary(n, mean, sd, mean - half, mean + half)


def _difference(a: Rating, b: Rating) -> Rating:
    return None if a is None or b is None else a - b


def gaps(ratings: Iterable[ThreeColumns]) -> ThreeColumnSummary:
    """Describe each column of a three-column item, and its adequacy and superiority gaps.

    Each gap is taken per response and only from responses that rated both of its columns, so a
    response that left "minimum" out still counts in the superiority gap.
    """
    rows = list(ratings)
    return ThreeColumnSummary(
        minimum=describe(r.minimum for r in rows),
        desired=describe(r.desired for r in rows),
        perceived=describe(r.perceived for r in rows),
        adequacy_gap=describe(_difference(r.perceived, r.minimum) for r in rows),
        superiority_gap=describe(_difference(r.perceived, r.desired) for r in rows),
    )


def complete_rows(matrix: Iterable[Sequence[Rating]]) -> list[list[float]]:
    """The responses (rows) that rated every item (column)."""
    rows = [(len(row), _given(row)) for row in matrix]
    return [given for width, given in rows if len(given) == width]


def _alpha(rows: Sequence[Sequence[float]], columns: Sequence[int]) -> float | None:
    k = len(columns)
    if k < 2 or len(rows) < 2:
        return None
    total = _variance([math.fsum(row[c] for c in columns) for row in rows])
    if total == 0:
        return None
    items = math.fsum(_variance([row[c] for row in rows]) for c in columns)
    return k / (k - 1) * (1 - items / total)


def cronbach_alpha(matrix: Iterable[Sequence[Rating]]) -> float | None:
    """Cronbach's alpha of the items (columns) over the complete responses (rows).

    None when there are fewer than 2 items or 2 complete responses, or when the complete
    responses' totals do not vary (alpha is then undefined).
    """
    return reliability(matrix).alpha


def reliability(matrix: Iterable[Sequence[Rating]]) -> Reliability:
    """Alpha, and alpha if each item were dropped, all over the same complete responses (those
    that rated every item), so that the numbers compare."""
    rows = complete_rows(matrix)
    width = len(rows[0]) if rows else 0
    columns = list(range(width))
    dropped = tuple(_alpha(rows, [c for c in columns if c != gone]) for gone in columns)
    return Reliability(len(rows), _alpha(rows, columns), dropped)


def response_means(matrix: Iterable[Sequence[Rating]]) -> list[Rating]:
    """Each response's mean over the items it rated (None if it rated none): a dimension's score
    per response, to describe or compare like an item's ratings."""
    scores: list[Rating] = []
    for row in matrix:
        given = _given(row)
        scores.append(_mean(given) if given else None)
    return scores


def compare(a: Iterable[Rating], b: Iterable[Rating]) -> Change:
    """Round b against round a: mean(b) - mean(a) with its 95% interval by Welch's t.

    The interval needs at least 2 ratings in each round. When neither round's ratings vary, the
    difference is exact and the interval is that value on both sides.
    """
    xa, xb = _given(a), _given(b)
    sa, sb = describe(xa), describe(xb)
    if sa.mean is None or sb.mean is None:
        return Change(sa, sb, None, None, None)
    difference = sb.mean - sa.mean
    if len(xa) < 2 or len(xb) < 2:
        return Change(sa, sb, difference, None, None)
    va, vb = _variance(xa) / len(xa), _variance(xb) / len(xb)
    if va + vb == 0:
        return Change(sa, sb, difference, difference, difference)
    # Welch-Satterthwaite degrees of freedom.
    df = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    half = _half_width(math.sqrt(va + vb), df)
    return Change(sa, sb, difference, difference - half, difference + half)


def describe_groups(groups: Mapping[str, Iterable[Rating]]) -> dict[str, Summary]:
    """Each group's ratings described, in the order given."""
    return {group: describe(values) for group, values in groups.items()}


def merge_small_groups(
    groups: Mapping[str, Sequence[T]], smallest: int = SMALLEST_PUBLIC_GROUP
) -> dict[str, list[T]]:
    """Groups of responses for a public page: those under `smallest` merged into "other".

    If "other" would then still hold fewer than `smallest` (one small group alone, say), the
    smallest of the remaining groups joins it, and so on: otherwise the small group could be read
    off as "other", or worked out from the total and the groups shown. Pass the responses (not
    one item's ratings), so that a group's size is its number of people. The groups keep their
    order; "other" comes last. A group whose own code is "other" is merged with it.
    """
    other: list[T] = list(groups.get(OTHER, ()))
    kept = {g: list(rows) for g, rows in groups.items() if g != OTHER and len(rows) >= smallest}
    for group, rows in groups.items():
        if group != OTHER and group not in kept:
            other += rows
    while 0 < len(other) < smallest and kept:
        group = min(kept, key=lambda g: len(kept[g]))
        other += kept.pop(group)
    return {**kept, OTHER: other} if other else kept
