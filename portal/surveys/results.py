"""A round's results from its ratings (what `queries.round_ratings` reads): per dimension and item the
statistics of `stats`, by user group, and two rounds compared. No database here: the pages,
the CSV and the API all take their numbers from these functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.surveys import stats
from portal.surveys.models import GROUPS


@dataclass
class RoundRatings:
    """A round's complete responses, for the results: `values[item code][column]` lists one
    value per response, in the order of `response_ids` (None: not applicable); `groups` gives
    each response's user group ("" when not given) and `submitted` its day."""

    response_ids: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    submitted: list[date | None] = field(default_factory=list)
    dimensions: dict[str, list[str]] = field(default_factory=dict)  # item codes per dimension
    values: dict[str, dict[str, list[int | None]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemResult:
    """One item: its main ratings (the rating, or perceived service) described, and for
    three-column items every column and both gaps."""

    code: str
    summary: stats.Summary
    three: stats.ThreeColumnSummary | None
    values: list[stats.Rating]  # the main ratings, one per response (for comparing rounds)


@dataclass(frozen=True)
class DimensionResult:
    """One dimension: each response's mean over its items, described, and Cronbach's alpha."""

    code: str
    summary: stats.Summary
    reliability: stats.Reliability
    items: list[ItemResult]
    groups: dict[str, stats.Summary]
    scores: list[stats.Rating]  # one per response


@dataclass(frozen=True)
class RoundResult:
    """A round's complete responses and their results."""

    n: int
    three: bool
    dimensions: list[DimensionResult] = field(default_factory=list)


def main_column(three: bool) -> str:
    """The column a dimension's score and alpha use: perceived service, or the one rating."""
    return "perceived" if three else "rating"


def group_indexes(groups: list[str], *, merge: bool) -> dict[str, list[int]]:
    """Each user group's responses (by position), in the order the form offers the groups;
    with `merge` (public pages), groups under five merged into "other"."""
    order = [*GROUPS, ""]
    found: dict[str, list[int]] = {}
    for code in order + sorted(set(groups) - set(order)):
        rows = [i for i, g in enumerate(groups) if g == code]
        if rows:
            found[code] = rows
    return stats.merge_small_groups(found) if merge else found


def _item(code: str, columns: dict[str, list[int | None]], three: bool) -> ItemResult:
    main: list[stats.Rating] = list(columns.get(main_column(three), []))
    summary = None
    if three:
        summary = stats.gaps(
            stats.ThreeColumns(*row)
            for row in zip(
                columns.get("minimum", []),
                columns.get("desired", []),
                columns.get("perceived", []),
                strict=True,
            )
        )
    return ItemResult(code, stats.describe(main), summary, main)


def summarize(ratings: RoundRatings, *, three: bool, merge_groups: bool) -> RoundResult:
    """Every dimension and item of a round, and each dimension by user group."""
    result = RoundResult(len(ratings.response_ids), three)
    groups = group_indexes(ratings.groups, merge=merge_groups)
    for dim_code, item_codes in ratings.dimensions.items():
        items = [_item(code, ratings.values[code], three) for code in item_codes]
        matrix = [list(row) for row in zip(*(i.values for i in items), strict=True)]
        scores = stats.response_means(matrix)
        by_group = {g: stats.describe(scores[i] for i in rows) for g, rows in groups.items()}
        result.dimensions.append(
            DimensionResult(
                dim_code,
                stats.describe(scores),
                stats.reliability(matrix),
                items,
                by_group,
                scores,
            )
        )
    return result


@dataclass(frozen=True)
class Changes:
    """Round b against round a, by dimension code and by item code (found in both)."""

    dimensions: dict[str, stats.Change]
    items: dict[str, stats.Change]


def compare(a: RoundResult, b: RoundResult) -> Changes:
    """Round b against round a, per dimension and item found in both."""
    dims = {d.code: d.scores for d in a.dimensions}
    items = {i.code: i.values for d in a.dimensions for i in d.items}
    out = Changes({}, {})
    for d in b.dimensions:
        if d.code in dims:
            out.dimensions[d.code] = stats.compare(dims[d.code], d.scores)
        for i in d.items:
            if i.code in items:
                out.items[i.code] = stats.compare(items[i.code], i.values)
    return out
