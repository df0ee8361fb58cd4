"""The bench's own logic: its options, reading wrk's output, and issue #16's target summary."""

from bench import targets
from bench.run import parse_args, parse_wrk

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:5000/ideas
  2 threads and 8 connections
  Latency Distribution
     50%    2.52ms
     75%    3.10ms
     90%    4.00ms
     99%    1.20s
  29391 requests in 10.00s, 702.14MB read
  Socket errors: connect 0, read 2, write 1, timeout 4
  Non-2xx or 3xx responses: 7
Requests/sec:   2939.10
"""


def _row(rps: float, ratio: float, p50: float = 2.0, p99: float = 10.0) -> dict:
    return {"rps": rps, "ratio": ratio, "p50_ms": p50, "p99_ms": p99}


def test_bench_defaults_measure_the_full_dataset_on_sqlite_with_two_workers():
    args = parse_args([])
    assert (args.size, args.base, args.db, args.workers) == ("full", "small", "sqlite", [2])
    assert (args.seconds, args.pause, args.only, args.growth) == (10, 3.0, None, False)


def test_bench_small_is_quick_and_postgresql_runs_two_and_four_workers():
    args = parse_args(["--small", "--db", "postgresql"])
    assert (args.size, args.base, args.workers) == ("small", "tiny", [2, 4])
    assert (args.seconds, args.pause) == (3, 1.0)
    args = parse_args(["--db", "postgresql", "--workers", "4", "--seconds", "5", "--only", "a,b"])
    assert (args.workers, args.seconds, args.only) == ([4], 5, ["a", "b"])


def test_bench_reads_wrk_latencies_in_milliseconds_and_counts_errors():
    r = parse_wrk(WRK_OUTPUT)
    assert (r["rps"], r["p50_ms"], r["p99_ms"]) == (2939.1, 2.52, 1200.0)
    assert (r["socket_errors"], r["timeouts"], r["non_2xx_3xx"]) == (3, 4, 7)


def _run(ratio: float, p99: float, memory: float) -> dict:
    names = [*targets.SIGNED_IN_RATIOS, *targets.VISITOR_RATIOS]
    return {
        "busy_64": {"floor": _row(5000, 1.0), **{n: _row(100, ratio) for n in names}},
        "calm_8": {n: _row(100, ratio, p99=p99) for n in names},
        "memory_mb": [{"own_mb": 90.0, "resident_mb": 120.0}, {"own_mb": memory}],
    }


def test_bench_summary_marks_every_target_met_when_the_figures_clear_the_issues_numbers():
    growth = {"base": "small", "large": "huge", "ratios": dict.fromkeys(targets.GROWTH, 1.1)}
    verdicts = targets.summary(_run(0.5, 20.0, 100.0), growth)
    assert verdicts and all(v.met is True for v in verdicts)
    reads = len(targets.SIGNED_IN_RATIOS) - 1  # the vote has no p99 target
    expected = len(targets.SIGNED_IN_RATIOS) + reads + len(targets.VISITOR_RATIOS) + 1
    assert len(verdicts) == expected + len(targets.GROWTH)
    assert "0 missed of" in targets.format_summary(verdicts, "t")


def test_bench_summary_marks_each_miss_at_the_issues_thresholds():
    growth = {
        "base": "small",
        "large": "full",
        "ratios": {"signed_list_top": 1.31, "signed_search": 1.5, "signed_detail_discussed": None},
    }
    run = _run(0.5, 20.0, 151.0)
    run["busy_64"]["signed_search"]["ratio"] = 0.049  # just under 0.05
    run["busy_64"]["signed_detail_top"]["ratio"] = 0.08  # exactly at the target: met
    run["calm_8"]["signed_home"]["p99_ms"] = 50.0  # "under 50 ms": 50 is a miss
    del run["busy_64"]["vote"]
    del run["calm_8"]["signed_list_top"]
    run["calm_8"]["signed_list_deep"]["p99_ms"] = None  # no request finished within the run
    by_target = {v.target: v for v in targets.summary(run, growth)}
    assert by_target["64 conn. signed_search ratio"].met is False
    assert by_target["64 conn. signed_detail_top ratio"].met is True
    assert by_target["8 conn. signed_home p99 ms"].met is False
    assert by_target["64 conn. vote ratio"].met is None  # not in this run
    assert by_target["8 conn. signed_list_top p99 ms"].met is None
    assert by_target["8 conn. signed_list_deep p99 ms"].met is False
    assert by_target["memory per worker (own MB, largest)"].met is False
    assert by_target["growth signed_list_top p50 full/small"].met is False
    assert by_target["growth signed_search p50 full/small"].met is True  # within 1.5x
    assert by_target["growth signed_detail_discussed p50 full/small"].met is None
    text = targets.format_summary(list(by_target.values()), "t")
    assert "5 missed of" in text and "MISSED" in text and "not measured" in text


def test_bench_growth_is_the_large_median_over_the_base_one():
    base = {"signed_list_top": _row(100, 0.2, p50=2.0), "signed_search": _row(1, 0.0, p50=0)}
    large = {"signed_list_top": _row(100, 0.2, p50=5.0), "signed_search": _row(1, 0.0, p50=9)}
    ratios = targets.growth_ratios(base, large)
    assert ratios["signed_list_top"] == 2.5
    assert ratios["signed_search"] is None  # no median to divide by
    assert ratios["signed_detail_discussed"] is None  # not measured


def test_bench_reads_a_run_where_no_request_finished_as_no_latency():
    out = WRK_OUTPUT.replace("29391 requests", "0 requests").replace("2939.10", "0.00")
    r = parse_wrk(out)
    assert (r["rps"], r["p50_ms"], r["p99_ms"]) == (0.0, None, None)
