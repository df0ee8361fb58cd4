"""portal/surveys/charts.py: marks placed where the scale says, a title and a description that
carry the numbers, every name escaped, and well-formed XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from markupsafe import Markup

from portal.core import i18n
from portal.surveys.charts import (
    PLOT_LEFT,
    PLOT_RIGHT,
    Scale,
    means_chart,
    number,
    rounds_chart,
    zone_chart,
)
from portal.surveys.stats import Change, Summary, ThreeColumnSummary

SVG = "{http://www.w3.org/2000/svg}"
LIKERT = Scale(1, 5)
NINE = Scale(1, 9)
SPAN = PLOT_RIGHT - PLOT_LEFT


def at(share: float) -> float:
    """Where a value `share` of the way along the scale should be drawn."""
    return pytest.approx(PLOT_LEFT + share * SPAN, abs=0.01)


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))  # fails on anything that is not well-formed XML


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def texts(root: ET.Element, name: str) -> list[str]:
    return [e.text or "" for e in with_class(root, name)]


def title_and_desc(root: ET.Element) -> tuple[str, str]:
    """The accessible name and description, found as a screen reader finds them: by the ids
    the <svg role="img"> points at."""
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    title, desc = by_id[root.get("aria-labelledby")], by_id[root.get("aria-describedby")]
    assert (title.tag, desc.tag) == (f"{SVG}title", f"{SVG}desc")
    return title.text or "", desc.text or ""


def error_bar(path: ET.Element) -> tuple[float, float]:
    """The two ends of an interval's bar: the path is cap, bar (M x y H x), cap."""
    found = re.search(r"M([\d.]+) [\d.]+H([\d.]+)", path.get("d", ""))
    assert found
    return float(found[1]), float(found[2])


def s(n: int, mean: float | None, low: float | None = None, high: float | None = None) -> Summary:
    return Summary(n, mean, None if low is None else 0.5, low, high)


@pytest.fixture
def chinese() -> Iterator[None]:
    token = i18n.set_locale("zh_Hans")
    yield
    i18n._current.reset(token)


def test_means_chart_places_the_mean_and_interval_on_the_scale():
    root = parse(
        means_chart(
            [("Staff helpfulness", s(40, 3.0, 2.0, 4.0)), ("Places", s(12, 4.5, 4.0, 5.6))],
            scale=LIKERT,
            name="Service quality",
            key="quality",
        )
    )
    dots = with_class(root, "chart-mean")
    assert [float(d.get("cx")) for d in dots] == [at(0.5), at(0.875)]  # 3 and 4.5 on 1..5
    bars = [error_bar(p) for p in with_class(root, "chart-ci")]
    assert bars[0] == (at(0.25), at(0.75))  # 2 to 4
    assert bars[1] == (at(0.75), at(1.0))  # 4 to 5.6, drawn to the scale's end
    ticks = {t.text: float(t.get("x")) for t in with_class(root, "chart-tick-label")}
    assert ticks == {"1": at(0), "2": at(0.25), "3": at(0.5), "4": at(0.75), "5": at(1)}
    assert texts(root, "chart-value") == ["3.00", "4.50"]
    assert root.get("viewBox", "").startswith("0 0 320 ") and root.get("width") == "100%"


def test_means_chart_says_what_it_shows_in_its_title_and_description():
    rows = [
        ("Staff helpfulness", s(40, 3.0, 2.0, 4.0)),
        ("Finding information", s(1, 4.0)),
        ("Knowing the services", s(0, None)),
    ]
    root = parse(means_chart(rows, scale=LIKERT, name="Service quality", key="q"))
    title, desc = title_and_desc(root)
    assert title == "Service quality: mean ratings with 95% confidence intervals"
    assert desc == (
        "Ratings on a scale of 1 to 5. "
        "Staff helpfulness: mean 3.00, 95% confidence interval 2.00 to 4.00 (40 responses). "
        "Finding information: mean 4.00 (1 response). "
        "Knowing the services: no ratings."
    )
    # One rating: a dot without a bar; none: neither.
    assert len(with_class(root, "chart-mean")) == 2 and len(with_class(root, "chart-ci")) == 1


def test_zone_chart_draws_the_band_from_minimum_to_desired_and_marks_perceived():
    def item(minimum: float, desired: float, perceived: float) -> ThreeColumnSummary:
        gap = s(30, 0.0)
        return ThreeColumnSummary(s(30, minimum), s(30, desired), s(30, perceived), gap, gap)

    rows = [("Quiet space", item(5, 8, 6)), ("Hours", item(6, 8, 3)), ("Wi-Fi", item(3, 5, 9))]
    root = parse(zone_chart(rows, scale=NINE, name="Places", key="zone"))
    bands = [b for b in with_class(root, "chart-zone") if b.get("width") != "12"]  # not the key's
    assert [float(b.get("x")) for b in bands] == [at(4 / 8), at(5 / 8), at(2 / 8)]
    widths = [float(b.get("width")) for b in bands]
    assert widths == pytest.approx([3 / 8 * SPAN, 2 / 8 * SPAN, 2 / 8 * SPAN], abs=0.02)
    markers = with_class(root, "chart-perceived")[:3]  # the fourth is the legend's
    assert [float(m.get("d", "")[1:].split()[0]) for m in markers] == [at(5 / 8), at(2 / 8), at(1)]
    assert [m.get("class", "").split()[1] for m in markers] == [
        "chart-perceived--within",
        "chart-perceived--below",
        "chart-perceived--above",
    ]
    title, desc = title_and_desc(root)
    assert title == "Places: zones of tolerance and perceived service"
    assert "Hours: minimum 6.00, desired 8.00, perceived 3.00 (30 responses); " in desc
    assert "perceived service is below the minimum." in desc
    assert "Wi-Fi: minimum 3.00, desired 5.00, perceived 9.00" in desc
    assert "perceived service is above the desired level." in desc


def test_rounds_chart_shows_both_rounds_and_the_change():
    change = Change(s(40, 3.0, 2.5, 3.5), s(38, 4.0, 3.5, 4.5), 1.0, 0.3, 1.7)
    flat = Change(s(40, 2.0, 1.5, 2.5), s(0, None), None, None, None)
    root = parse(
        rounds_chart(
            [("Staff helpfulness", change), ("Opening hours", flat)],
            scale=LIKERT,
            rounds=("Spring 2026", "Autumn 2026"),
            name="Before and after the pilot",
            key="rounds",
        )
    )
    first = [float(c.get("cx")) for c in with_class(root, "chart-mean--a")]
    assert first[:2] == [at(0.5), at(0.25)]  # 3 and 2; the last dot is the legend's
    second = [float(r.get("x")) + 5 for r in with_class(root, "chart-mean--b")]
    assert second[0] == at(0.75)  # 4, and no square for a round without ratings
    assert len(second) == 2
    assert texts(root, "chart-value") == ["+1.00", "–"]
    assert texts(root, "chart-legend") == ["Spring 2026", "Autumn 2026"]
    title, desc = title_and_desc(root)
    assert title == "Before and after the pilot: Spring 2026 and Autumn 2026 compared"
    assert (
        "Staff helpfulness: Spring 2026 3.00, Autumn 2026 4.00, change +1.00 "
        "(95% confidence interval +0.30 to +1.70)."
    ) in desc
    assert "Opening hours: Spring 2026 2.00, Autumn 2026 no ratings." in desc


NASTY = "<script>alert(\"x\")</script> & <b onmouseover='y'>"


def _every_chart(label: str) -> list[Markup]:
    three = ThreeColumnSummary(s(9, 4), s(9, 7), s(9, 5), s(9, 1), s(9, -2))
    change = Change(s(9, 3, 2, 4), s(9, 4, 3, 5), 1.0, 0.1, 1.9)
    return [
        means_chart([(label, s(9, 3, 2, 4))], scale=LIKERT, name=label, key="a"),
        zone_chart([(label, three)], scale=NINE, name=label, key="b"),
        rounds_chart([(label, change)], scale=LIKERT, rounds=(label, label), name=label, key="c"),
    ]


@pytest.mark.parametrize("label", [NASTY, Markup(NASTY)])
def test_charts_escape_every_name(label: str):
    for chart in _every_chart(label):
        assert "<script" not in chart and "<b " not in chart
        assert "&lt;script&gt;" in chart
        root = parse(chart)
        title, desc = title_and_desc(root)
        assert NASTY in title and NASTY in desc  # the words come back, as text
        assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}b", "script", "b")]
        # A long name is cut on its line, and still only as text.
        assert texts(root, "chart-label")[0].startswith('<script>alert("x")</script>')


def test_charts_drop_what_xml_cannot_hold():
    for chart in _every_chart("Quiet\x00 space\x0b\ud800"):
        root = parse(chart)
        assert texts(root, "chart-label") == ["Quiet space"]


def test_charts_keep_their_ids_unique_by_key():
    with pytest.raises(ValueError):
        means_chart([], scale=LIKERT, name="x", key='a" onload="alert(1)')
    root = parse(means_chart([], scale=LIKERT, name="Empty", key="round-3-dimension-2"))
    assert root.get("aria-labelledby") == "round-3-dimension-2-title"


def test_numbers_are_written_the_readers_way():
    assert number(1234.5) == "1,234.50"
    assert number(0.254, signed=True) == "+0.25"
    assert number(-0.166, signed=True) == "-0.17"
    assert number(None) == "–"


def test_charts_speak_chinese(chinese):
    root = parse(
        means_chart([("馆员的帮助", s(40, 3.0, 2.0, 4.0))], scale=LIKERT, name="服务质量", key="zh")
    )
    title, desc = title_and_desc(root)
    assert "服务质量" in title and "95%" in title and "confidence" not in title
    assert "2.00" in desc and "4.00" in desc and "40" in desc and "responses" not in desc


def test_charts_take_a_name_with_placeholders_as_it_is():
    # Names are filled into the translated sentences, never read as part of them.
    name = "100% sure %(mean)s %s"
    for chart in _every_chart(name):
        title, desc = title_and_desc(parse(chart))
        assert title.startswith(f"{name}: ") and f"{name}: " in desc
