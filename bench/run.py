"""`make bench`: the portal under load, measured as a ratio to a bare endpoint in the same run.

It builds a database with `portal seed` (SQLite: once, cached under bench/data/; PostgreSQL: in
a throwaway cluster started like tests/pg.py does, stopped after), starts the portal with
uvicorn[standard] (2 workers; 2 and then 4 on PostgreSQL) and runs wrk from a second process on
127.0.0.1 against each scenario in turn, letting the server drain between runs, at 64 and at
8 connections:

  floor       /ping: plain text through the same middleware, no cookie
  visitors    the ideas list by top and by trending, page 50, a search, the most discussed
              idea, the home page: no cookies, so mostly kept pages (portal.web.pagecache)
  signed in   the same pages for a rotation of 200 signed-in people (bench/signed_in.lua: the
              next person's cookie on each request): the list by top, by trending and its page
              50, home, the 20 most discussed and the 20 top ideas in turn, and a search over
              common words and word pairs in English and Chinese (bench/scenarios.py)
  vote        vote toggles on open ideas by the same people (bench/vote.lua)

Then growth: the medians at 8 connections of the signed-in list, idea page and search on a
dataset ten times smaller (10,000 ideas; 1,000 with --small), and with --growth on 1,000,000.
It prints the tables, memory per worker and issue #16's targets marked met or missed, and
writes the same as JSON under bench/results/ (bench-<size>-<database>-<time>.json).

    python bench/run.py                  # 100k ideas, 50k people, 1M votes, 300k comments
    python bench/run.py --small          # 10k ideas, shorter runs: checks the machinery
    python bench/run.py --db postgresql  # the same on PostgreSQL, with 2 and 4 workers
    python bench/run.py --growth         # also 1,000,000 ideas (built once, cached)
    python bench/run.py --only vote,signed_home   # some scenarios and the floor, 64 connections
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import scenarios, targets  # noqa: E402
from bench.common import env_for, free_port, results_path  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SIZES = {
    "tiny": {"ideas": 1_000, "users": 1_000, "votes": 10_000, "comments": 3_000},
    "small": {"ideas": 10_000, "users": 5_000, "votes": 100_000, "comments": 30_000},
    "full": {"ideas": 100_000, "users": 50_000, "votes": 1_000_000, "comments": 300_000},
    "huge": {"ideas": 1_000_000, "users": 50_000, "votes": 1_000_000, "comments": 300_000},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="10k ideas, 3 s runs")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--growth", action="store_true", help="also measure 1,000,000 ideas")
    parser.add_argument("--workers", help="app workers, comma-separated (2; 2,4 on PostgreSQL)")
    parser.add_argument("--seconds", type=int, help="each run (10; 3 with --small)")
    parser.add_argument("--pause", type=float, help="idle time around each run (3; 1 --small)")
    parser.add_argument("--only", help="some scenarios and the floor, at 64 connections")
    args = parser.parse_args(argv)
    args.size = "small" if args.small else "full"
    args.base = "tiny" if args.small else "small"
    default_workers = "2,4" if args.db == "postgresql" else "2"
    args.workers = [int(w) for w in (args.workers or default_workers).split(",")]
    if args.seconds is None:
        args.seconds = 3 if args.small else 10
    if args.pause is None:
        args.pause = 1.0 if args.small else 3.0
    args.only = args.only.split(",") if args.only else None
    return args


def _portal(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "portal.cli", *args], env=env, check=True)


def _seed(url: str, size: str) -> float:
    """Migrate and seed the database at url; the seconds it took."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    _portal(env, "migrate")
    _portal(env, "seed", *[f"--{k}={v}" for k, v in SIZES[size].items()])
    took = round(time.perf_counter() - started, 1)
    print(f"built {size} ({SIZES[size]['ideas']} ideas) in {took:.0f}s")
    return took


def sqlite_database(size: str) -> tuple[str, float | None]:
    """A seeded SQLite database of this size, built once and reused; and its build time."""
    DATA.mkdir(exist_ok=True)
    path, timing = DATA / f"{size}.sqlite3", DATA / f"{size}.build.json"
    url = f"sqlite:///{path}"
    if not path.exists():
        tmp = DATA / f"{size}.building.sqlite3"
        for p in DATA.glob(f"{size}.building.sqlite3*"):
            p.unlink()
        took = _seed(f"sqlite:///{tmp}", size)
        subprocess.run(
            ["sqlite3", str(tmp), "PRAGMA wal_checkpoint(TRUNCATE)"], capture_output=True
        )
        shutil.move(tmp, path)
        timing.write_text(json.dumps({"seconds": took}))
    else:  # built by an older version of the portal: bring its schema up to date
        _portal({**os.environ, "DATABASE_URL": url}, "migrate")
    return url, json.loads(timing.read_text())["seconds"] if timing.exists() else None


@contextlib.contextmanager
def databases(db: str) -> Iterator[Callable[[str], tuple[str, float | None]]]:
    """A function size -> (url, build seconds) for this database kind."""
    if db == "sqlite":
        yield sqlite_database
        return
    from sqlalchemy import create_engine, text

    from tests.pg import cluster

    with cluster() as server_url:
        built: dict[str, tuple[str, float | None]] = {}

        def postgresql_database(size: str) -> tuple[str, float | None]:
            if size not in built:
                engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
                with engine.connect() as conn:
                    conn.execute(text(f"CREATE DATABASE bench_{size}"))
                engine.dispose()
                url = server_url.rsplit("/", 1)[0] + f"/bench_{size}"
                built[size] = (url, _seed(url, size))
            return built[size]

        yield postgresql_database


class Server:
    """`portal serve` in its own process group, stopped with it."""

    def __init__(self, url: str, workers: int) -> None:
        self.port = free_port()
        env = {**env_for(url, self.port), "RATE_LIMIT_FACTOR": "100000"}
        command = ["-m", "portal.cli", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [sys.executable, *command, "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                if httpx.get(f"{self.base}/ping", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not start")

    def memory_mb(self) -> list[dict[str, float]]:
        """Each worker's own (anonymous) memory, and its resident size, which also counts the
        pages of the database file it has mapped (SQLite's mmap): the system's file cache,
        shared by every worker."""
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        sizes = []
        for pid in out.stdout.split():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" in command:  # multiprocessing's helper, not a worker
                continue
            own = re.search(r"RssAnon:\s+(\d+) kB", status)
            rss = re.search(r"VmRSS:\s+(\d+) kB", status)
            if own and rss:
                mb = lambda m: round(int(m.group(1)) / 1024, 1)  # noqa: E731
                sizes.append({"own_mb": mb(own), "resident_mb": mb(rss)})
        return sizes

    def stop(self) -> None:
        os.killpg(self.proc.pid, 15)
        self.proc.wait(10)


def wrk(
    base: str, path: str, connections: int, seconds: int, script: list[str] | None = None
) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script[0], f"{base}{path}", "--", *script[1:]]
    else:
        cmd.append(f"{base}{path}")
    return parse_wrk(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def parse_wrk(out: str) -> dict:
    def ms(label: str) -> float | None:
        """A percentile in ms; None when no request finished within the run."""
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m or re.search(r"^\s+0 requests in", out, re.M):
            return None
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


def plan(url: str, people: Path, only: list[str] | None = None) -> dict[str, tuple]:
    """Each scenario: the address wrk is given, and its script and arguments (or None)."""
    runs: dict[str, tuple] = {"floor": ("/ping", None)}
    runs |= {name: (path, None) for name, path in scenarios.visitor_paths(url).items()}
    for name, paths in scenarios.signed_in_paths(url).items():
        listing = DATA / f"{people.stem}-{name}.txt"  # people-<db>-<size>-<scenario>
        listing.write_text("\n".join(paths) + "\n")
        runs[name] = (paths[0], [str(HERE / "signed_in.lua"), str(people), str(listing)])
    runs["vote"] = ("/ideas/vote", [str(HERE / "vote.lua"), str(people)])
    if only:
        runs = {name: run for name, run in runs.items() if name == "floor" or name in only}
    return runs


def measure(server: Server, runs: dict, connections: int, args: argparse.Namespace) -> dict:
    results = {}
    for name, (path, script) in runs.items():
        wrk(server.base, path, connections, 2 if args.seconds > 3 else 1, script)  # warm up
        time.sleep(args.pause)
        results[name] = wrk(server.base, path, connections, args.seconds, script)
        time.sleep(args.pause)  # let the server drain before the next scenario
    floor = results["floor"]["rps"]
    for r in results.values():
        r["ratio"] = round(r["rps"] / floor, 3) if floor else None
    return results


def table(results: dict, title: str) -> str:
    goals = targets.SIGNED_IN_RATIOS | targets.VISITOR_RATIOS
    lines = [
        title,
        f"{'scenario':24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7} "
        f"{'target':>7} {'errors':>7} {'timeouts':>8}",
    ]
    for name, r in results.items():
        goal = goals.get(name)
        lines.append(
            f"{name:24} {r['rps']:>9} {_cell(r['p50_ms']):>8} {_cell(r['p99_ms']):>8} "
            f"{r['ratio']:>7} {('>=' + str(goal)) if goal else '':>7} "
            f"{r['socket_errors'] + r['non_2xx_3xx']:>7} {r['timeouts']:>8}"
        )
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "-" if value is None else str(value)


def signed_in_server(url: str, workers: int, size: str, db: str) -> tuple[Server, Path]:
    server = Server(url, workers)
    try:
        people = scenarios.sign_in_people(server.base, url, DATA / f"people-{db}-{size}.txt")
        paths = scenarios.signed_in_paths(url)
        scenarios.check_signed_in(server.base, people, [p[0] for p in paths.values()])
    except BaseException:
        server.stop()
        raise
    return server, people


def run_size(url: str, size: str, workers: int, args: argparse.Namespace) -> dict:
    """The full set of scenarios on one dataset with one number of workers."""
    server, people = signed_in_server(url, workers, size, args.db)
    try:
        runs = plan(url, people, args.only)
        label = f"{size} dataset, {args.db}, {workers} workers"
        report: dict = {"busy_64": measure(server, runs, 64, args)}
        print(table(report["busy_64"], f"{label}, 64 connections"), flush=True)
        if not args.only:
            report["calm_8"] = measure(server, runs, 8, args)
            print(table(report["calm_8"], f"{label}, 8 connections (p99 < 50 ms for reads)"))
        report["memory_mb"] = server.memory_mb()
        print(f"memory per worker (MB): {report['memory_mb']}", flush=True)
        return report
    finally:
        server.stop()


def run_growth(url: str, size: str, workers: int, args: argparse.Namespace) -> dict:
    """The growth scenarios alone, at 8 connections, on another dataset."""
    server, people = signed_in_server(url, workers, size, args.db)
    try:
        runs = plan(url, people, list(targets.GROWTH))
        results = measure(server, runs, 8, args)
        print(table(results, f"{size} dataset, {args.db}, {workers} workers, 8 connections"))
        return results
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    DATA.mkdir(exist_ok=True)
    started = time.perf_counter()
    report: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "database": args.db}
    report["size"] = {"name": args.size, **SIZES[args.size]}
    with databases(args.db) as database:
        url, report["build_seconds"] = database(args.size)
        report["runs"] = {}
        for workers in args.workers:
            report["runs"][str(workers)] = run_size(url, args.size, workers, args)
        if not args.only:
            report["growth"] = growth(database, args, report)
    verdict_text = []
    for workers, run in report["runs"].items():
        verdicts = targets.summary(run, report.get("growth"))
        run["targets"] = [v.__dict__ for v in verdicts]
        title = f"issue #16's targets: {args.size}, {args.db}, {workers} workers"
        verdict_text.append(targets.format_summary(verdicts, title))
    print("\n\n".join(verdict_text))
    report["wall_seconds"] = round(time.perf_counter() - started)
    name = f"bench-{args.size}-{args.db}" + ("-only" if args.only else "")
    path = results_path(name)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"wall time {report['wall_seconds']}s; written to {path}")


Database = Callable[[str], tuple[str, float | None]]


def growth(database: Database, args: argparse.Namespace, report: dict) -> dict:
    """Medians at the base dataset (and 1M ideas with --growth) against the main run's."""
    workers = args.workers[0]
    base_url, base_build = database(args.base)
    out: dict = {"base": args.base, "large": args.size, "workers": workers}
    out["build_seconds"] = {args.base: base_build, args.size: report["build_seconds"]}
    out[args.base] = run_growth(base_url, args.base, workers, args)
    out[args.size] = {
        name: report["runs"][str(workers)]["calm_8"][name] for name in ["floor", *targets.GROWTH]
    }
    if args.growth:
        huge_url, out["build_seconds"]["huge"] = database("huge")
        out["huge"] = run_growth(huge_url, "huge", workers, args)
        out["large"] = "huge"
    out["ratios"] = targets.growth_ratios(out[args.base], out[out["large"]])
    print(f"growth, p50 at {out['large']} over {args.base}: {out['ratios']}", flush=True)
    return out


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
