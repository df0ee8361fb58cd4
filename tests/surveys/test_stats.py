"""portal/surveys/stats.py: a small fixture worked out by hand (the arithmetic is in the
comments; t quantiles from a printed table), and a large seeded random one checked against
independent implementations (scipy.stats for means, intervals and Welch's t, pingouin for
Cronbach's alpha) to 1e-9."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats as scipy_stats

from portal.surveys.stats import (
    OTHER,
    Summary,
    ThreeColumns,
    compare,
    cronbach_alpha,
    describe,
    describe_groups,
    gaps,
    merge_small_groups,
    reliability,
    response_means,
)

# t quantiles (0.975) from a printed table, to the 6 decimals it gives.
T_2, T_3 = 4.302653, 3.182446
HAND = 1e-6  # what six decimals of a table allow


def _close(summary: Summary, n: int, mean: float, sd: float, low: float, high: float) -> None:
    assert summary.n == n
    assert summary.mean == pytest.approx(mean, abs=HAND)
    assert summary.sd == pytest.approx(sd, abs=HAND)
    assert summary.ci95_low == pytest.approx(low, abs=HAND)
    assert summary.ci95_high == pytest.approx(high, abs=HAND)


def test_describe_by_hand():
    # 3, 5, 4, 4 (and a "not applicable"): n = 4, mean = 16 / 4 = 4
    # deviations -1, 1, 0, 0: sum of squares 2, variance 2 / 3, sd = 0.816497
    # standard error sd / sqrt(4) = 0.408248; t(0.975, 3) = 3.182446; half width 1.299228
    half = T_3 * (2 / 3) ** 0.5 / 2
    _close(describe([3, 5, None, 4, 4]), 4, 4.0, 0.816497, 4 - half, 4 + half)
    assert half == pytest.approx(1.299228, abs=HAND)


def test_describe_is_silent_where_the_ratings_are_too_few():
    assert describe([]) == Summary(0, None, None, None, None)
    assert describe([None, None]) == Summary(0, None, None, None, None)
    assert describe([7, None]) == Summary(1, 7.0, None, None, None)
    # No spread: sd 0 and an interval of no width, not a division by zero.
    assert describe([4, 4, 4]) == Summary(3, 4.0, 0.0, 4.0, 4.0)


# Five responses to a three-column item (minimum, desired, perceived; 1-9):
THREE = [
    ThreeColumns(4, 8, 6),  # adequacy 6 - 4 = 2, superiority 6 - 8 = -2
    ThreeColumns(5, 7, 5),  # adequacy 0, superiority -2
    ThreeColumns(None, 9, 8),  # no adequacy (no minimum), superiority -1
    ThreeColumns(3, None, 7),  # adequacy 4, no superiority (no desired)
    ThreeColumns(6, 8, None),  # no perceived: neither gap
]


def test_gaps_by_hand():
    result = gaps(THREE)
    # adequacy: 2, 0, 4: mean 2, deviations 0, -2, 2, sum of squares 8, variance 4, sd 2
    # se 2 / sqrt(3) = 1.154701; t(0.975, 2) = 4.302653; half width 4.968275
    half = T_2 * 2 / 3**0.5
    _close(result.adequacy_gap, 3, 2.0, 2.0, 2 - half, 2 + half)
    # superiority: -2, -2, -1: mean -5/3, deviations -1/3, -1/3, 2/3, sum of squares 6/9,
    # variance 1/3, sd 0.577350; se 0.577350 / sqrt(3) = 1/3; half width 4.302653 / 3
    _close(result.superiority_gap, 3, -5 / 3, 0.577350, -5 / 3 - T_2 / 3, -5 / 3 + T_2 / 3)
    # Per response, not a difference of the columns' means: perceived 6, 5, 8, 7 (mean 6.5)
    # less desired 8, 7, 9, 8 (mean 8) would say -1.5.
    assert (result.perceived.mean, result.desired.mean, result.minimum.mean) == (6.5, 8.0, 4.5)
    assert (result.perceived.n, result.desired.n, result.minimum.n) == (4, 4, 4)


# Four complete responses to three items, and one that skipped the second item.
ITEMS = [[2, 3, 3], [4, 4, 5], [3, 5, 4], [5, 4, 4], [1, None, 1]]


def test_cronbach_alpha_by_hand():
    # The last row is incomplete and left out. Over the other four:
    # item 1: 2, 4, 3, 5, mean 3.5, sum of squares 2.25 + .25 + .25 + 2.25 = 5, variance 5/3
    # item 2: 3, 4, 5, 4, mean 4, sum of squares 2, variance 2/3
    # item 3: 3, 5, 4, 4, mean 4, sum of squares 2, variance 2/3
    # totals: 8, 13, 12, 13, mean 11.5, sum of squares 12.25 + 2.25 + .25 + 2.25 = 17, var 17/3
    # alpha = 3/2 * (1 - (5/3 + 2/3 + 2/3) / (17/3)) = 3/2 * (1 - 9/17) = 12/17
    assert cronbach_alpha(ITEMS) == pytest.approx(12 / 17, abs=1e-12)
    result = reliability(ITEMS)
    assert result.n == 4
    # without item 1: totals 6, 9, 9, 8, mean 8, variance 6/3 = 2; alpha = 2 (1 - (4/3) / 2) = 2/3
    # without item 2: totals 5, 9, 7, 9, mean 7.5, variance 11/3; alpha = 2 (1 - 7/11) = 8/11
    # without item 3: totals 5, 8, 8, 9, mean 7.5, variance 9/3 = 3; alpha = 2 (1 - 7/9) = 4/9
    assert result.alpha_if_dropped == pytest.approx((2 / 3, 8 / 11, 4 / 9), abs=1e-12)


def test_cronbach_alpha_is_none_where_it_is_undefined():
    assert cronbach_alpha([[3], [4], [5]]) is None  # one item
    assert cronbach_alpha([[3, 4], [4, None], [None, 5]]) is None  # one complete response
    assert cronbach_alpha([[3, 4], [3, 4], [3, 4]]) is None  # totals do not vary
    assert cronbach_alpha([]) is None
    # Two items: alpha itself, but dropping either leaves one item.
    two = reliability([[1, 2], [3, 3], [5, 5]])
    assert two.alpha is not None and two.alpha_if_dropped == (None, None)


def test_compare_by_hand():
    # a: 3, 4, 5: mean 4, variance 1; b: 4, 6, 6, 8: mean 6, sum of squares 8, variance 8/3
    # difference b - a = 2; squared standard errors 1/3 and (8/3)/4 = 2/3, se = sqrt(1) = 1
    # Welch's df = 1^2 / ((1/3)^2 / 2 + (2/3)^2 / 3) = 1 / (1/18 + 4/27) = 54/11 = 4.909091,
    # between the table's t(0.975, 4) = 2.776445 and t(0.975, 5) = 2.570582
    change = compare([3, 4, None, 5], [4, 6, 6, 8])
    assert change.difference == 2
    assert (change.a.n, change.b.n) == (3, 4)
    half = (change.ci95_high - change.ci95_low) / 2
    assert change.ci95_low + half == pytest.approx(2, abs=1e-12)
    assert 2.570582 < half < 2.776445  # se is 1, so the half width is t(0.975, 54/11)
    assert half == pytest.approx(scipy_stats.t.ppf(0.975, 54 / 11), abs=1e-12)


def test_compare_with_too_few_ratings():
    assert compare([], [4, 5]).difference is None
    one = compare([3], [4, 5])
    assert (one.difference, one.ci95_low, one.ci95_high) == (1.5, None, None)
    flat = compare([3, 3], [5, 5, 5])
    assert (flat.difference, flat.ci95_low, flat.ci95_high) == (2.0, 2.0, 2.0)


def test_response_means_average_what_each_response_rated():
    assert response_means([[2, 4, None], [None, None, None], [5, 5, 2]]) == [3.0, None, 4.0]


def test_describe_groups_describes_each_group_in_order():
    result = describe_groups({"staff": [4, 5], "undergraduate": [3]})
    assert list(result) == ["staff", "undergraduate"]
    assert result["staff"].mean == 4.5 and result["undergraduate"].n == 1


def _groups(**sizes: int) -> dict[str, list[str]]:
    return {group: [f"{group}{i}" for i in range(n)] for group, n in sizes.items()}


def test_merge_small_groups_merges_those_under_five_into_other():
    merged = merge_small_groups(_groups(undergraduate=12, postgraduate=5, staff=4, community=1))
    assert {g: len(rows) for g, rows in merged.items()} == {
        "undergraduate": 12,
        "postgraduate": 5,
        OTHER: 5,
    }
    assert merged[OTHER] == [*_groups(staff=4)["staff"], "community0"]  # no response lost
    assert list(merged)[-1] == OTHER


def test_merge_small_groups_never_shows_a_small_group_as_other():
    # staff (2) alone in "other" would be staff under another name, and the total less the
    # groups shown would give it away: the smallest group shown joins it.
    merged = merge_small_groups(_groups(undergraduate=12, postgraduate=6, staff=2))
    assert {g: len(rows) for g, rows in merged.items()} == {"undergraduate": 12, OTHER: 8}
    # A group coded "other" counts with the merged ones.
    merged = merge_small_groups({**_groups(undergraduate=9, distance=3), OTHER: ["x"]})
    assert {g: len(rows) for g, rows in merged.items()} == {OTHER: 13}
    # Fewer than five in all: one "other", which is the total anyway.
    assert merge_small_groups(_groups(staff=3)) == {OTHER: ["staff0", "staff1", "staff2"]}
    # Nothing small: nothing merged, no empty "other".
    assert merge_small_groups(_groups(staff=5, undergraduate=7, community=0)) == _groups(
        staff=5, undergraduate=7
    )


# The large fixture: thousands of responses with a realistic spread and some left out.

ROWS, ITEM_COUNT, MISSING = 3000, 6, 0.06


def _rating(rng: random.Random, centre: float, low: int, high: int) -> int | None:
    """A rating around `centre` on the scale, or None (not answered) now and then."""
    if rng.random() < MISSING:
        return None
    return min(high, max(low, round(rng.gauss(centre, (high - low) / 6))))


def _single_ratings(seed: int, shift: float = 0.0) -> list[list[int | None]]:
    """1-5 ratings of ITEM_COUNT items; each person's own leaning makes the items agree."""
    rng = random.Random(seed)
    rows = []
    for _ in range(ROWS):
        person = rng.gauss(3.4 + shift, 0.8)
        rows.append([_rating(rng, person + rng.gauss(0, 0.3), 1, 5) for _ in range(ITEM_COUNT)])
    return rows


def _three_columns(seed: int) -> list[ThreeColumns]:
    rng = random.Random(seed)
    rows = []
    for _ in range(ROWS):
        person = rng.gauss(0, 0.9)
        rows.append(
            ThreeColumns(
                _rating(rng, 5.8 + person, 1, 9),
                _rating(rng, 7.6 + person, 1, 9),
                _rating(rng, 6.7 + person, 1, 9),
            )
        )
    return rows


def _frame(rows: list[list[int | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[f"i{c}" for c in range(ITEM_COUNT)], dtype="float64")


def _scipy_summary(values: np.ndarray) -> tuple[int, float, float, float, float]:
    values = values[~np.isnan(values)]
    n, mean, sd = len(values), values.mean(), values.std(ddof=1)
    low, high = scipy_stats.t.interval(0.95, n - 1, loc=mean, scale=scipy_stats.sem(values))
    return n, mean, sd, low, high


def _matches(summary: Summary, expected: tuple[int, float, float, float, float]) -> None:
    n, *numbers = expected
    assert summary.n == n
    got = [summary.mean, summary.sd, summary.ci95_low, summary.ci95_high]
    assert got == pytest.approx(numbers, abs=1e-9, rel=0)


def test_describe_agrees_with_scipy_on_thousands_of_ratings():
    frame = _frame(_single_ratings(seed=13))
    for column in frame.columns:
        values = frame[column].tolist()
        _matches(
            describe(None if np.isnan(v) else v for v in values),
            _scipy_summary(frame[column].to_numpy()),
        )
    assert 2500 < describe(frame["i0"].dropna()).n < ROWS  # some were left out


def test_gaps_agree_with_scipy_on_thousands_of_responses():
    rows = _three_columns(seed=7)
    array = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    minimum, desired, perceived = array.T
    result = gaps(rows)
    _matches(result.adequacy_gap, _scipy_summary(perceived - minimum))
    _matches(result.superiority_gap, _scipy_summary(perceived - desired))
    _matches(result.perceived, _scipy_summary(perceived))
    assert result.adequacy_gap.mean > 0 > result.superiority_gap.mean  # as generated


def test_cronbach_alpha_agrees_with_pingouin_on_thousands_of_responses():
    rows = _single_ratings(seed=21)
    frame = _frame(rows)
    expected, _interval = pingouin.cronbach_alpha(frame, nan_policy="listwise")
    result = reliability(rows)
    assert result.alpha == pytest.approx(expected, abs=1e-9, rel=0)
    assert 0.7 < result.alpha < 0.99  # a realistic instrument, not a degenerate one
    complete = frame.dropna()
    assert result.n == len(complete) < ROWS
    for column, dropped in zip(complete.columns, result.alpha_if_dropped, strict=True):
        without, _interval = pingouin.cronbach_alpha(complete.drop(columns=column))
        assert dropped == pytest.approx(without, abs=1e-9, rel=0)


def test_compare_agrees_with_welchs_t_test_on_thousands_of_responses():
    before, after = _frame(_single_ratings(seed=1)), _frame(_single_ratings(seed=2, shift=0.15))
    for column in before.columns:
        a, b = before[column].dropna().to_numpy(), after[column].dropna().to_numpy()
        welch = scipy_stats.ttest_ind(b, a, equal_var=False)
        interval = welch.confidence_interval(0.95)
        change = compare(a.tolist(), b.tolist())
        expected = [b.mean() - a.mean(), interval.low, interval.high]
        assert [change.difference, change.ci95_low, change.ci95_high] == pytest.approx(
            expected, abs=1e-9, rel=0
        )
    # A dimension: each response's mean over its items, compared the same way.
    a_scores = [s for s in response_means(_single_ratings(seed=1)) if s is not None]
    b_scores = [s for s in response_means(_single_ratings(seed=2, shift=0.15)) if s is not None]
    interval = scipy_stats.ttest_ind(b_scores, a_scores, equal_var=False).confidence_interval()
    change = compare(a_scores, b_scores)
    assert [change.ci95_low, change.ci95_high] == pytest.approx(
        [interval.low, interval.high], abs=1e-9, rel=0
    )
    assert change.ci95_low > 0  # the shift is there, and found
