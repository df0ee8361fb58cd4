"""CPU time per request of the signed-in reads, in one process, over ASGI.

Builds the app against a bench database (kept pages off), signs each request in with the
first person of bench/data/people-<db>.txt, and calls every signed-in scenario's addresses N
times per round; prints the least and the median over the rounds of `time.process_time()` per
request, in ms (on a shared machine the least moves less).

    .venv/bin/python -m bench.cpu [--db small] [-n 20] [--rounds 5] [--only signed_list_top]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

import httpx

from bench.common import SECRET
from bench.scenarios import SIGNED_IN_MARK, signed_in_paths

DATA = Path(__file__).parent / "data"


def _app(url: str):  # noqa: ANN202 - a Starlette app
    from portal import settings as settings_mod
    from portal.app import create_app

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "BASE_URL": "http://testserver",
        "PAGE_CACHE_SECONDS": "0",
    }
    return create_app(settings_mod.from_env(env))


async def _measure(app, cookie: str, paths: dict[str, list[str]], n: int) -> dict[str, float]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app)
    headers = {"Cookie": cookie}
    out = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for name, addresses in paths.items():
            first = await client.get(addresses[0], headers=headers)
            assert first.status_code == 200 and SIGNED_IN_MARK in first.text, name
            start = time.process_time()
            for i in range(n):
                await client.get(addresses[i % len(addresses)], headers=headers)
            out[name] = (time.process_time() - start) / n * 1000
    return out


async def _dump(app, cookie: str, paths: dict[str, list[str]], into: Path) -> None:  # noqa: ANN001
    """Each scenario's pages, whole and as htmx asks for them, to compare two versions' HTML."""
    into.mkdir(parents=True, exist_ok=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for name, addresses in paths.items():
            for i, address in enumerate(addresses[:3]):
                for partial in (False, True):
                    headers = {"Cookie": cookie, **({"HX-Request": "true"} if partial else {})}
                    page = await client.get(address, headers=headers)
                    (into / f"{name}-{i}{'-hx' if partial else ''}.html").write_text(page.text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="small")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", action="append")
    parser.add_argument(
        "--dump", type=Path, help="write each page's HTML here, and measure nothing"
    )
    args = parser.parse_args()
    url = f"sqlite:///{DATA / (args.db + '.sqlite3')}"
    sid, token = (DATA / f"people-sqlite-{args.db}.txt").read_text().split()[:2]
    cookie = f"sid={sid}; csrftoken={token}"
    paths = signed_in_paths(url)
    if args.only:
        paths = {k: v for k, v in paths.items() if k in args.only}
    app = _app(url)
    if args.dump:
        asyncio.run(_dump(app, cookie, paths, args.dump))
        return
    rounds = [asyncio.run(_measure(app, cookie, paths, args.n)) for _ in range(args.rounds)]
    for name in paths:
        times = [r[name] for r in rounds]
        print(f"{name:26} {min(times):7.2f} {statistics.median(times):7.2f} ms")


if __name__ == "__main__":
    main()
