"""`make bench`: the portal under load, measured as a ratio to a bare endpoint in the same run.

It builds (once, cached under bench/data/) a database of the issue's size with `portal seed`,
starts the portal with uvicorn[standard] and 2 workers, and runs wrk from a second process on
127.0.0.1 against each endpoint in turn, letting the server drain between runs:

  floor (/ping: plain text through the same middleware), ideas list by top, by trending,
  a search, page 50 of the list, an idea with 100 comments, a vote toggle (POST, signed-in
  people rotated), and the home page.

It prints requests/s, p50/p99 latency, socket errors and timeouts, each endpoint's ratio to the
floor, and memory per worker, then writes the same as JSON under bench/results/. wrk sends no
cookies, so read endpoints are measured as a visitor sees them: with the portal's default kept
pages (portal.web.pagecache). A third table measures them with kept pages off, every page rendered.

    python bench/run.py                 # full size: 100k ideas, 50k users, 1M votes, 300k comments
    python bench/run.py --small         # 10k ideas, for a quick look
    python bench/run.py --scale         # list and detail at 10k vs 1M ideas (kept pages off)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import env_for, free_port, results_path  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SIZES = {
    "full": {"ideas": 100_000, "users": 50_000, "votes": 1_000_000, "comments": 300_000},
    "small": {"ideas": 10_000, "users": 5_000, "votes": 100_000, "comments": 30_000},
    "huge": {"ideas": 1_000_000, "users": 50_000, "votes": 1_000_000, "comments": 300_000},
}
TARGETS = {"list_top": 0.33, "detail": 0.25, "search": 0.15, "vote": 0.15, "home": 0.33}


def database(size: str) -> str:
    """A seeded SQLite database of this size, built once and reused."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"{size}.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        tmp = DATA / f"{size}.building.sqlite3"
        for p in DATA.glob(f"{size}.building.sqlite3*"):
            p.unlink()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}"}
        run = lambda *a: subprocess.run(
            [sys.executable, "-m", "portal.cli", *a],
            env=env,  # noqa: E731
            check=True,
        )
        started = time.perf_counter()
        run("migrate")
        counts = SIZES[size]
        run("seed", *[f"--{k}={v}" for k, v in counts.items()])
        print(f"seeded {size} in {time.perf_counter() - started:.0f}s")
        subprocess.run(
            ["sqlite3", str(tmp), "PRAGMA wal_checkpoint(TRUNCATE)"], capture_output=True
        )
        shutil.move(tmp, path)
    else:  # a database built by an older version of the portal: bring its schema up to date
        subprocess.run(
            [sys.executable, "-m", "portal.cli", "migrate"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
        )
    return url


class Server:
    def __init__(self, url: str, workers: int = 2, page_cache: bool = True) -> None:
        self.port = free_port()
        env = {**env_for(url, self.port), "RATE_LIMIT_FACTOR": "100000"}
        if not page_cache:
            env["PAGE_CACHE_SECONDS"] = "0"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portal.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(f"{self.base}/ping", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def memory_mb(self) -> list[dict[str, float]]:
        """Memory of each worker process: its own (anonymous) memory, and its resident size,
        which also counts the pages of the database file it has mapped (SQLite's mmap): those
        are the operating system's file cache, shared by every worker."""
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        sizes = []
        for pid in out.stdout.split():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            own = re.search(r"RssAnon:\s+(\d+) kB", status)
            rss = re.search(r"VmRSS:\s+(\d+) kB", status)
            if own and rss:
                sizes.append(
                    {
                        "own_mb": round(int(own.group(1)) / 1024, 1),
                        "resident_mb": round(int(rss.group(1)) / 1024, 1),
                    }
                )
        return sizes

    def stop(self) -> None:
        os.killpg(self.proc.pid, 15)
        self.proc.wait(10)


def sign_in_people(base: str, url: str, n: int, idea_ids: list[int]) -> Path:
    """Sign n bulk users in and write their cookies and tokens for the wrk script."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        emails = list(
            conn.execute(
                text(
                    "SELECT email FROM user WHERE email LIKE '%@bulk.example.org' ORDER BY id LIMIT :n"
                ),
                {"n": n},
            ).scalars()
        )
    engine.dispose()
    lines = []
    for i, email in enumerate(emails):
        client = httpx.Client(base_url=base, timeout=30)
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        r = client.post(
            "/login", data={"email": email, "password": "bulk password 123", "csrf_token": token}
        )
        assert r.status_code == 303, r.status_code
        token = re.search(
            r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
            client.get("/").text,
        ).group(1)
        lines.append(
            f"{client.cookies['sid']} {client.cookies['csrftoken']} {token} "
            f"{idea_ids[i % len(idea_ids)]}"
        )
        client.close()
    path = DATA / "users.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(
    base: str, path: str, connections: int, seconds: int, script: list[str] | None = None
) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script[0], f"{base}{path}", "--", *script[1:]]
    else:
        cmd.append(f"{base}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": round(rps, 1),
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "socket_errors": sum(int(g) for g in errors.groups()[:3]) if errors else 0,
        "timeouts": int(errors.group(4)) if errors else 0,
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
    }


def endpoints(url: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        detail = (
            conn.execute(
                text(
                    "SELECT id FROM idea WHERE comment_count >= 100 ORDER BY comment_count LIMIT 1"
                )
            ).scalar()
            or conn.execute(
                text("SELECT id FROM idea ORDER BY comment_count DESC LIMIT 1")
            ).scalar()
        )
    engine.dispose()
    return {
        "floor": "/ping",
        "list_top": "/ideas?sort=top",
        "list_trending": "/ideas?sort=trending",
        "search": "/ideas?q=quiet+study",
        "list_page_50": "/ideas?sort=top&page=50",
        "detail": f"/ideas/{detail}",
        "vote": "/ideas/vote",
        "home": "/",
    }


def measure(
    url: str,
    connections: int,
    seconds: int,
    pause: float,
    page_cache: bool = True,
    only: list[str] | None = None,
) -> tuple[dict, list[dict[str, float]]]:
    server = Server(url, page_cache=page_cache)
    try:
        paths = endpoints(url)
        if only:
            paths = {name: path for name, path in paths.items() if name == "floor" or name in only}
        users = sign_in_people(server.base, url, 200, _vote_ideas(url))
        results = {}
        for name, path in paths.items():
            script = [str(HERE / "vote.lua"), str(users)] if name == "vote" else None
            wrk(server.base, path, connections, 2, script)  # warm up
            time.sleep(pause)
            results[name] = wrk(server.base, path, connections, seconds, script)
            time.sleep(pause)  # let the server drain before the next endpoint
        floor = results["floor"]["rps"]
        for r in results.values():
            r["ratio"] = round(r["rps"] / floor, 3) if floor else None
        return results, server.memory_mb()
    finally:
        server.stop()


def _vote_ideas(url: str) -> list[int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        ids = list(
            conn.execute(
                text(
                    "SELECT id FROM idea WHERE status IN ('new','under_review','planned','piloting') "
                    "ORDER BY id LIMIT 500"
                )
            ).scalars()
        )
    engine.dispose()
    return ids


def table(results: dict, title: str) -> str:
    lines = [
        title,
        f"{'endpoint':16} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7} "
        f"{'target':>7} {'errors':>7} {'timeouts':>8}",
    ]
    for name, r in results.items():
        target = TARGETS.get(name)
        lines.append(
            f"{name:16} {r['rps']:>9} {r['p50_ms']:>8} {r['p99_ms']:>8} "
            f"{r['ratio']:>7} {('>=' + str(target)) if target else '':>7} "
            f"{r['socket_errors'] + r['non_2xx_3xx']:>7} {r['timeouts']:>8}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--scale", action="store_true", help="compare 10k with 1M ideas")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--pause", type=float, default=3.0)
    parser.add_argument(
        "--only", help="a quick look at some endpoints (and the floor) at 64 connections: vote,home"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    report: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "workers": 2}
    if args.only:
        url = database("small" if args.small else "full")
        results, memory = measure(url, 64, args.seconds, args.pause, only=args.only.split(","))
        print(table(results, f"{args.only} and the floor, 64 connections"))
        print(f"memory per process (MB): {memory}")
        return
    if args.scale:
        for size in ("small", "huge"):
            url = database(size)
            # Kept pages off: this compares what the queries cost at each size.
            results, memory = measure(url, 8, args.seconds, args.pause, page_cache=False)
            report[size] = {"results": results, "memory_mb": memory}
            print(
                table(
                    results,
                    f"{size}: {SIZES[size]['ideas']} ideas, 8 connections, PAGE_CACHE_SECONDS=0",
                )
            )
        ratios = {
            name: round(
                report["huge"]["results"][name]["p50_ms"]
                / report["small"]["results"][name]["p50_ms"],
                2,
            )
            for name in ("list_top", "list_page_50", "detail", "search")
        }
        report["p50_huge_over_small"] = ratios
        print(
            f"p50 at {SIZES['huge']['ideas']} ideas / at {SIZES['small']['ideas']} (target "
            f"<= 1.3): {ratios}"
        )
    else:
        size = "small" if args.small else "full"
        url = database(size)
        busy, memory = measure(url, 64, args.seconds, args.pause)
        calm, _memory = measure(url, 8, args.seconds, args.pause)
        bare, _memory = measure(url, 64, args.seconds, args.pause, page_cache=False)
        report.update(
            size=SIZES[size], busy_64=busy, calm_8=calm, uncached_64=bare, memory_mb=memory
        )
        print(table(busy, f"{size} dataset, SQLite, 2 workers, 64 connections"))
        print()
        print(table(calm, "the same at 8 connections (p99 target: under 50 ms for reads)"))
        print()
        print(
            table(
                bare,
                "64 connections with kept pages off (PAGE_CACHE_SECONDS=0): every page rendered",
            )
        )
        print(
            f"\nmemory per process (MB; own = private memory, resident also counts the "
            f"shared mapped database file): {memory}"
        )
    path = results_path("bench-scale" if args.scale else f"bench-{report.get('size', {}) and size}")
    path.write_text(json.dumps(report, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
