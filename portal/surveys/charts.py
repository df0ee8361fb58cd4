"""Survey charts as server-rendered SVG: no JavaScript, readable by screen readers and in the
dark scheme, scaled to the width they are given (360 px phones included).

- `means_chart`: each item's (or dimension's) mean as a dot with its 95% interval as an error
  bar, on the scale's range.
- `zone_chart`: three-column items as LibQUAL+ draws them, a band from the minimum mean to the
  desired mean (the zone of tolerance) with the perceived mean as a marker on it.
- `rounds_chart`: two rounds side by side, each with its mean and interval.

This module works out where each mark goes and what the words are (a `Drawing`);
templates/surveys/_charts.html draws it, so every name reaches the markup through Jinja's
autoescaping, as all text does (item names are anyone's text). Characters XML cannot hold are
dropped first. Each chart has role="img", a <title> and a <desc> that says in words what it
shows, with every number (a page that shows a chart shows the same numbers in a table beside
it). Colours come from classes in static/css/site.css and `currentColor`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from babel.numbers import format_decimal
from markupsafe import Markup

from portal.core.i18n import _, babel_locale, ngettext
from portal.surveys.stats import Change, Summary, ThreeColumnSummary
from portal.web.templating import env

WIDTH = 320
PLOT_LEFT, PLOT_RIGHT = 16.0, 304.0
TOP = 4
ROW = 40  # a label line, then the marks
ROUNDS_ROW = 54  # a label line, then a line for each round
LABEL_ROOM = 34  # in halves of a wide (CJK) character: what fits beside the value
LEGEND_ROOM = 44  # the same, for a legend's line
_KEY = re.compile(r"[a-z][a-z0-9-]*\Z")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Scale(NamedTuple):
    """The rating scale's ends, such as 1 to 5, or 1 to 9 for three-column items."""

    low: int
    high: int


@dataclass(frozen=True)
class Line:
    """A track, the axis or a tick."""

    cls: str
    x1: float
    x2: float
    y1: float
    y2: float


@dataclass(frozen=True)
class Mark:
    """A point drawn at (x, y): a "dot", a "square", a "diamond" or a "band" (then `width`
    wide from x); `cls` adds a class (the perceived mean's position)."""

    shape: str
    x: float
    y: float
    cls: str = ""
    width: float = 0


@dataclass(frozen=True)
class Bar:
    """An interval's error bar from a to b, with end caps."""

    a: float
    b: float
    y: float


@dataclass(frozen=True)
class Text:
    """A label, a value, a tick's number or a legend's words, anchored at (x, y)."""

    cls: str
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass
class Drawing:
    """What templates/surveys/_charts.html draws, in the order it draws it."""

    key: str
    title: str
    desc: str
    height: float = 0
    width: int = WIDTH
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)


def number(value: float | None, signed: bool = False) -> str:
    """A mean, a bound or a change as the reader's language writes it, to two decimals."""
    if value is None:
        return "–"
    pattern = "+#,##0.00;-#,##0.00" if signed else "#,##0.00"
    return format_decimal(value, format=pattern, locale=babel_locale())


def _text(value: object) -> str:
    """Plain text (a Markup passed in is escaped like any text), without what XML cannot hold."""
    return _NOT_XML.sub("", str(value))


def _short(label: str, room: int = LABEL_ROOM) -> str:
    """The label cut to what fits on its line (the full text is in the description)."""
    out = list[str]()
    for char in label:
        room -= 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if room < 1:
            return "".join(out) + "…"
        out.append(char)
    return label


def x_of(value: float, scale: Scale) -> float:
    """Where `value` sits across the plot, kept within the scale's ends."""
    share = (min(max(value, scale.low), scale.high) - scale.low) / (scale.high - scale.low)
    return round(PLOT_LEFT + share * (PLOT_RIGHT - PLOT_LEFT), 2)


def _start(key: str, title: str, desc: str) -> Drawing:
    if not _KEY.match(key):
        raise ValueError(f"chart key {key!r}: lower-case letters, digits and hyphens")
    return Drawing(key, _text(title), _text(desc))


def _draw(d: Drawing) -> Markup:
    """The SVG, from the template's macro: a macro's output is Markup, every value escaped."""
    macros = env.get_template("surveys/_charts.html").module
    result: Markup = macros.chart(d)  # type: ignore[attr-defined]  # a macro, made at run time
    return result


def _label(d: Drawing, y: float, label: str, value: str) -> None:
    d.texts.append(Text("chart-label", PLOT_LEFT, y + 14, _short(_text(label))))
    d.texts.append(Text("chart-value", PLOT_RIGHT, y + 14, value, "end"))


def _track(d: Drawing, y: float) -> None:
    d.lines.append(Line("chart-track", PLOT_LEFT, PLOT_RIGHT, y, y))


def _interval(d: Drawing, y: float, summary: Summary, scale: Scale, shape: str) -> None:
    """The interval as an error bar, and the mean as a dot (or a square)."""
    if summary.mean is None:
        return
    if summary.ci95_low is not None and summary.ci95_high is not None:
        d.bars.append(Bar(x_of(summary.ci95_low, scale), x_of(summary.ci95_high, scale), y))
    d.marks.append(Mark(shape, x_of(summary.mean, scale), y))


def _axis(d: Drawing, y: float, scale: Scale) -> None:
    d.lines.append(Line("chart-axis", PLOT_LEFT, PLOT_RIGHT, y, y))
    for v in range(scale.low, scale.high + 1):
        d.lines.append(Line("chart-tick", x_of(v, scale), x_of(v, scale), y, y + 4))
        d.texts.append(Text("chart-tick-label", x_of(v, scale), y + 17, str(v), "middle"))
    d.height = y + 24


def _legend(d: Drawing, entries: Sequence[tuple[Mark, str]]) -> None:
    """Below the axis, one line per entry (round names can be long): its mark, its words."""
    for mark, words in entries:
        y = d.height + 12
        d.marks.append(Mark(mark.shape, PLOT_LEFT + 6 + mark.x, y + mark.y, mark.cls, mark.width))
        d.texts.append(
            Text("chart-legend", PLOT_LEFT + 20, y + 5, _short(_text(words), LEGEND_ROOM))
        )
        d.height += 20
    d.height += 4


def _responses(n: int) -> str:
    return ngettext("%(num)s response", "%(num)s responses", n)


def _scale_sentence(scale: Scale) -> str:
    return _("Ratings on a scale of %(low)s to %(high)s.", low=scale.low, high=scale.high)


def _mean_sentence(label: str, s: Summary) -> str:
    if s.mean is None:
        return _("%(label)s: no ratings.", label=label)
    if s.ci95_low is None:
        return _(
            "%(label)s: mean %(mean)s (%(responses)s).",
            label=label,
            mean=number(s.mean),
            responses=_responses(s.n),
        )
    return _(
        "%(label)s: mean %(mean)s, 95%% confidence interval %(low)s to %(high)s (%(responses)s).",
        label=label,
        mean=number(s.mean),
        low=number(s.ci95_low),
        high=number(s.ci95_high),
        responses=_responses(s.n),
    )


def _position(three: ThreeColumnSummary) -> str | None:
    """Where the perceived mean falls: "below" the minimum, "above" the desired, or "within"."""
    low, high, seen = three.minimum.mean, three.desired.mean, three.perceived.mean
    if low is None or high is None or seen is None:
        return None
    return "below" if seen < low else "above" if seen > high else "within"


def _zone_sentence(label: str, three: ThreeColumnSummary) -> str:
    position = _position(three)
    if position is None:
        return _("%(label)s: not enough ratings.", label=label)
    where = {
        "below": _("perceived service is below the minimum"),
        "within": _("perceived service is within the zone of tolerance"),
        "above": _("perceived service is above the desired level"),
    }[position]
    return _(
        "%(label)s: minimum %(minimum)s, desired %(desired)s, perceived %(perceived)s "
        "(%(responses)s); %(where)s.",
        label=label,
        minimum=number(three.minimum.mean),
        desired=number(three.desired.mean),
        perceived=number(three.perceived.mean),
        responses=_responses(three.perceived.n),
        where=where,
    )


def _change_sentence(label: str, change: Change, rounds: tuple[str, str]) -> str:
    means = {
        "a": rounds[0],
        "mean_a": number(change.a.mean) if change.a.mean is not None else _("no ratings"),
        "b": rounds[1],
        "mean_b": number(change.b.mean) if change.b.mean is not None else _("no ratings"),
    }
    if change.difference is None:
        return _("%(label)s: %(a)s %(mean_a)s, %(b)s %(mean_b)s.", label=label, **means)
    if change.ci95_low is None:
        return _(
            "%(label)s: %(a)s %(mean_a)s, %(b)s %(mean_b)s, change %(change)s.",
            label=label,
            change=number(change.difference, signed=True),
            **means,
        )
    return _(
        "%(label)s: %(a)s %(mean_a)s, %(b)s %(mean_b)s, change %(change)s "
        "(95%% confidence interval %(low)s to %(high)s).",
        label=label,
        change=number(change.difference, signed=True),
        low=number(change.ci95_low, signed=True),
        high=number(change.ci95_high, signed=True),
        **means,
    )


def means_chart(
    rows: Sequence[tuple[str, Summary]], *, scale: Scale, name: str, key: str
) -> Markup:
    """Each row's mean with its 95% interval on the scale; `name` says what the rows are (a
    dimension, say), `key` makes the chart's ids unique on its page."""
    title = _("%(name)s: mean ratings with 95%% confidence intervals", name=name)
    desc = " ".join([_scale_sentence(scale), *(_mean_sentence(lb, s) for lb, s in rows)])
    d = _start(key, title, desc)
    for i, (label, summary) in enumerate(rows):
        y = TOP + i * ROW
        _label(d, y, label, number(summary.mean))
        _track(d, y + 28)
        _interval(d, y + 28, summary, scale, "dot")
    _axis(d, TOP + len(rows) * ROW + 4, scale)
    return _draw(d)


def _zone(d: Drawing, y: float, three: ThreeColumnSummary, scale: Scale) -> None:
    """The band from the minimum mean to the desired mean, and the perceived mean on it."""
    low, high, seen = three.minimum.mean, three.desired.mean, three.perceived.mean
    _track(d, y)
    if low is not None and high is not None:
        a, b = sorted((x_of(low, scale), x_of(high, scale)))
        d.marks.append(Mark("band", a, y, width=round(b - a, 2)))
    if seen is not None:
        position = _position(three) or "within"
        d.marks.append(Mark("diamond", x_of(seen, scale), y, f"chart-perceived--{position}"))


def zone_chart(
    rows: Sequence[tuple[str, ThreeColumnSummary]], *, scale: Scale, name: str, key: str
) -> Markup:
    """Three-column items as zones of tolerance (minimum to desired) with perceived service
    marked on each; the value beside each label is the perceived mean."""
    title = _("%(name)s: zones of tolerance and perceived service", name=name)
    desc = " ".join([_scale_sentence(scale), *(_zone_sentence(lb, t) for lb, t in rows)])
    d = _start(key, title, desc)
    for i, (label, three) in enumerate(rows):
        y = TOP + i * ROW
        _label(d, y, label, number(three.perceived.mean))
        _zone(d, y + 28, three, scale)
    _axis(d, TOP + len(rows) * ROW + 4, scale)
    _legend(
        d,
        [
            (Mark("band", -6, 0, width=12), _("Zone of tolerance: minimum to desired")),
            (Mark("diamond", 0, 0, "chart-perceived--within"), _("Perceived service")),
        ],
    )
    return _draw(d)


def rounds_chart(
    rows: Sequence[tuple[str, Change]],
    *,
    scale: Scale,
    rounds: tuple[str, str],
    name: str,
    key: str,
) -> Markup:
    """Two rounds side by side: per row, the first round's mean and interval (a dot), the second
    round's (a square) below it, and the change beside the label. `rounds` names the two."""
    title = _("%(name)s: %(a)s and %(b)s compared", name=name, a=rounds[0], b=rounds[1])
    sentences = (_change_sentence(lb, c, rounds) for lb, c in rows)
    d = _start(key, title, " ".join([_scale_sentence(scale), *sentences]))
    for i, (label, change) in enumerate(rows):
        y = TOP + i * ROUNDS_ROW
        _label(d, y, label, number(change.difference, signed=True))
        for line_y, summary, shape in ((y + 26, change.a, "dot"), (y + 42, change.b, "square")):
            _track(d, line_y)
            _interval(d, line_y, summary, scale, shape)
    _axis(d, TOP + len(rows) * ROUNDS_ROW + 4, scale)
    _legend(d, [(Mark("dot", 0, 0), rounds[0]), (Mark("square", 0, 0), rounds[1])])
    return _draw(d)
