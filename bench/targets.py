"""Issue #16's targets, and the summary that marks each one met or missed in a bench report.

A report (what bench/run.py writes as JSON) holds, per number of app workers, the runs at 64
and at 8 connections (`busy_64`, `calm_8`: endpoint -> req/s, p50, p99, ratio to the floor),
the memory of each worker, and the growth comparison (`growth`: endpoint -> median at the
smaller and at the larger dataset). The targets are the issue's, written for the full dataset
on SQLite with 2 workers; the summary applies them to whatever run it is given, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

# Signed in, at 64 connections: the least ratio to the floor (/ping in the same run).
SIGNED_IN_RATIOS = {
    "signed_list_top": 0.15,
    "signed_list_trending": 0.15,
    "signed_list_deep": 0.15,
    "signed_home": 0.15,
    "signed_detail_discussed": 0.08,
    "signed_detail_top": 0.08,
    "signed_search": 0.05,
    "vote": 0.40,
}
# Visitors' figures "stay as they are": the ratios the previous round met.
VISITOR_RATIOS = {"list_top": 0.33, "detail": 0.25, "search": 0.15, "home": 0.33}
P99_MS = 50.0  # every signed-in read, at 8 connections
# Median at the large dataset over the median at 10,000 ideas, at 8 connections.
GROWTH = {
    "signed_list_top": 1.3,
    "signed_list_deep": 1.3,
    "signed_detail_discussed": 1.3,
    "signed_search": 1.5,
}
MEMORY_MB = 150.0  # private memory of each worker


@dataclass(frozen=True)
class Verdict:
    target: str  # what is measured, in words
    measured: float | None  # None: not in this run
    goal: str  # the number, e.g. ">= 0.15"
    met: bool | None  # None: not measured

    def line(self) -> str:
        mark = {True: "met", False: "MISSED", None: "not measured"}[self.met]
        value = "-" if self.measured is None else f"{self.measured:g}"
        return f"{self.target:44} {value:>10} {self.goal:>10}  {mark}"


def _ratio(results: dict, name: str, least: float, label: str) -> Verdict:
    ratio = results.get(name, {}).get("ratio")
    met = None if ratio is None else ratio >= least
    return Verdict(f"{label} {name} ratio", ratio, f">= {least}", met)


def summary(run: dict, growth: dict | None = None) -> list[Verdict]:
    """Each target of issue #16 for one run (one number of workers), met or missed."""
    busy, calm = run.get("busy_64", {}), run.get("calm_8", {})
    verdicts = [_ratio(busy, name, least, "64 conn.") for name, least in SIGNED_IN_RATIOS.items()]
    for name in SIGNED_IN_RATIOS:
        if name == "vote":
            continue  # the p99 target is for reads
        row = calm.get(name)
        p99 = None if row is None else row.get("p99_ms")
        # In the run but no p99: no request finished within it, a miss.
        met = None if row is None else p99 is not None and p99 < P99_MS
        verdicts.append(Verdict(f"8 conn. {name} p99 ms", p99, f"< {P99_MS:g}", met))
    verdicts += [
        _ratio(busy, name, least, "64 conn. visitor") for name, least in VISITOR_RATIOS.items()
    ]
    workers = run.get("memory_mb", [])
    most = max((w["own_mb"] for w in workers), default=None)
    verdicts.append(
        Verdict(
            "memory per worker (own MB, largest)",
            most,
            f"< {MEMORY_MB:g}",
            None if most is None else most < MEMORY_MB,
        )
    )
    for name, most_growth in (growth or {}).get("ratios", {}).items():
        goal = GROWTH.get(name)
        if goal is None:
            continue
        label = f"growth {name} p50 {growth['large']}/{growth['base']}"  # type: ignore[index]
        met = None if most_growth is None else most_growth <= goal
        verdicts.append(Verdict(label, most_growth, f"<= {goal}", met))
    return verdicts


def growth_ratios(base: dict, large: dict) -> dict[str, float | None]:
    """Median latency at the large dataset over the base one, per endpoint in GROWTH."""
    ratios: dict[str, float | None] = {}
    for name in GROWTH:
        small, big = base.get(name, {}).get("p50_ms"), large.get(name, {}).get("p50_ms")
        ratios[name] = round(big / small, 2) if small and big is not None else None
    return ratios


def format_summary(verdicts: list[Verdict], title: str) -> str:
    missed = sum(v.met is False for v in verdicts)
    head = f"{'target':44} {'measured':>10} {'goal':>10}  verdict"
    lines = [title, head, *(v.line() for v in verdicts)]
    lines.append(f"{missed} missed of {sum(v.met is not None for v in verdicts)} measured")
    return "\n".join(lines)
