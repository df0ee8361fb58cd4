"""Search latency: the median time of one search request, kept pages off, one at a time.

Serves a seeded database (`python bench/run.py` builds them under bench/data/, or give any
SQLite or PostgreSQL URL) with one worker and `PAGE_CACHE_SECONDS=0`, and times a rotation of
common words and word pairs of the generated ideas (and a Chinese word) over loopback:

    python bench/search.py sqlite:///bench/data/small.sqlite3 sqlite:///bench/data/full.sqlite3
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import Server  # noqa: E402

QUERIES = [
    "quiet",
    "study",
    "quiet study",
    "room",
    "book loan",
    "library",
    "printer",
    "open late",
    "wifi",
    "silent room",
    "quiet study room",
    "自习室",
]
ROUNDS = 15


def measure(url: str) -> dict[str, float]:
    """Median and 90th-percentile milliseconds per query, over `ROUNDS` rotations."""
    server = Server(url, workers=1, page_cache=False)
    try:
        with httpx.Client(base_url=server.base, timeout=60) as client:
            for q in QUERIES:  # warm the worker and the database pages
                client.get("/ideas", params={"q": q})
            times: dict[str, list[float]] = {q: [] for q in QUERIES}
            for _ in range(ROUNDS):
                for q in QUERIES:
                    started = time.perf_counter()
                    response = client.get("/ideas", params={"q": q})
                    times[q].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.status_code
    finally:
        server.stop()
    every = [t for ts in times.values() for t in ts]
    return {
        "median_ms": round(statistics.median(every), 2),
        "p90_ms": round(statistics.quantiles(every, n=10)[-1], 2),
        **{f"median_ms[{q}]": round(statistics.median(ts), 2) for q, ts in times.items()},
    }


if __name__ == "__main__":
    print(json.dumps({url: measure(url) for url in sys.argv[1:]}, indent=1, ensure_ascii=False))
