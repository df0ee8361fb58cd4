"""Units of work that arrive together are written together (portal.core.groupcommit): each keeps its
own result or its own error, one failing unit fails alone, and while another process holds the
write lock the event loop goes on serving."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, func, insert, select

from portal.core import db
from portal.core.errors import Forbidden
from portal.core.groupcommit import GroupCommit
from portal.core.ratelimit.models import RateCounter
from portal.core.ratelimit.windows import RateLimited

WINDOW = datetime(2026, 1, 1, tzinfo=UTC)


def add(key: str, then: BaseException | None = None):
    """A unit that adds one row named `key` and returns the key, or then raises `then`."""

    def work(conn: Connection) -> str:
        conn.execute(insert(RateCounter).values(key=key, window_start=WINDOW, count=1))
        if then is not None:
            raise then
        return key

    return work


def refuse(conn: Connection) -> str:
    raise Forbidden()


def keys(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(RateCounter.key)).scalars())


def run_together(group: GroupCommit, units) -> list:
    async def main() -> list:
        return await asyncio.gather(*(group.run(u) for u in units), return_exceptions=True)

    return asyncio.run(main())


def test_group_commit_writes_units_that_arrive_together_in_one_transaction(engine) -> None:
    group = GroupCommit(engine)
    before = db.data_version(engine)
    names = [f"unit-{i}" for i in range(50)]

    results = run_together(group, [add(name) for name in names])

    assert results == names
    assert keys(engine) == set(names)
    moved = db.data_version(engine) - before
    # SQLite: one transaction for all fifty; PostgreSQL runs writers in parallel, one each.
    assert moved == (1 if engine.name == "sqlite" else 50)


def test_group_commit_batches_are_no_larger_than_asked(engine) -> None:
    if engine.name != "sqlite":
        pytest.skip("PostgreSQL writes each unit on its own")
    group = GroupCommit(engine, max_batch=8)
    before = db.data_version(engine)

    results = run_together(group, [add(f"unit-{i}") for i in range(20)])

    assert len(results) == 20
    assert db.data_version(engine) - before == 3  # 8 + 8 + 4


def test_group_commit_refusal_fails_its_own_unit_only(engine) -> None:
    group = GroupCommit(engine)
    units = [add(f"unit-{i}") for i in range(10)]
    units[4] = refuse

    results = run_together(group, units)

    assert isinstance(results[4], Forbidden)
    assert [r for i, r in enumerate(results) if i != 4] == [
        f"unit-{i}" for i in range(10) if i != 4
    ]
    assert len(keys(engine)) == 9


def test_group_commit_keeps_what_a_unit_wrote_before_a_rate_limit_refusal(engine) -> None:
    """A rate-limit count that went over the limit stays counted: the refusal comes after it."""
    group = GroupCommit(engine)

    results = run_together(group, [add("counted", RateLimited(30)), add("other")])

    assert isinstance(results[0], RateLimited) and results[0].retry_after == 30
    assert results[1] == "other"
    assert keys(engine) == {"counted", "other"}


def test_group_commit_unexpected_error_undoes_its_own_unit_only(engine) -> None:
    group = GroupCommit(engine)
    units = [add(f"unit-{i}") for i in range(6)]
    units[2] = add("half-done", RuntimeError("a bug"))
    units[3] = add("unit-0")  # the same key again: the database refuses it

    results = run_together(group, units)

    assert isinstance(results[2], RuntimeError)
    assert "unique" in str(results[3]).lower() or "duplicate" in str(results[3]).lower()
    assert [results[i] for i in (0, 1, 4, 5)] == ["unit-0", "unit-1", "unit-4", "unit-5"]
    assert keys(engine) == {"unit-0", "unit-1", "unit-4", "unit-5"}


def test_group_commit_leaves_out_a_unit_whose_request_was_cancelled(engine) -> None:
    if engine.name != "sqlite":
        pytest.skip("PostgreSQL writes each unit at once")
    group = GroupCommit(engine)

    async def main() -> None:
        kept = asyncio.create_task(group.run(add("kept")))
        gone = asyncio.create_task(group.run(add("gone")))
        await asyncio.sleep(0)  # both are waiting for the first batch
        gone.cancel()
        assert await kept == "kept"
        with pytest.raises(asyncio.CancelledError):
            await gone

    asyncio.run(main())

    assert keys(engine) == {"kept"}


def test_group_commit_serves_other_requests_while_another_process_writes(engine) -> None:
    if engine.name != "sqlite":
        pytest.skip("only SQLite writers queue on the lock file")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys\n"
            f"fd = os.open({engine.url.database + '-writer'!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        group = GroupCommit(engine)

        async def main() -> tuple[str, int, float]:
            ticks = 0

            async def other_requests() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.001)

            ticker = asyncio.create_task(other_requests())
            vote = asyncio.create_task(group.run(add("waited")))
            await asyncio.sleep(0.3)
            assert not vote.done()  # the other process still writes
            served = ticks
            released = time.monotonic()
            holder.stdin.close()  # type: ignore[union-attr]
            result = await asyncio.wait_for(vote, 10)
            ticker.cancel()
            return result, served, time.monotonic() - released

        result, served, after = asyncio.run(main())
    finally:
        holder.kill()
        holder.wait()
        for pipe in (holder.stdin, holder.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()

    assert result == "waited"
    assert served > 50  # the loop kept running while the unit waited its turn
    assert after < 5
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(RateCounter)).scalar_one() == 1
