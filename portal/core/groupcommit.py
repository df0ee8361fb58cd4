"""Group commit: many concurrent votes written in one transaction.

SQLite admits one writer at a time for the whole machine, and a write transaction has a fixed
cost (the write lock, BEGIN IMMEDIATE, moving the data version, COMMIT) larger than a vote's
own statements. So the units of work that reach one process while its previous transaction is
being written wait for the next one, and are written together: each still gets its own result
or its own error, and the fixed cost is paid once per batch instead of once per vote. When
nothing else is waiting, a batch is a single unit, and it waits for nobody.

While another process holds the write lock, this one does not block: it goes on reading
requests and rendering answers, and the votes that arrive meanwhile join the batch.

A unit of work must leave nothing half done when it refuses: its refusals (Forbidden,
NotFound, RateLimited, a ValidationError) come before its changes, or after changes it means to
keep (a rate-limit count that went over stays counted). Any other error rolls the whole batch
back, and each of its units is then written again in a transaction of its own, so that one
failing unit fails alone.

On PostgreSQL, writers run in parallel (and two batches locking the same rows in different
orders could deadlock each other), so there every unit is simply its own transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from portal.core import db
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.ratelimit.windows import RateLimited

T = TypeVar("T")
Work = Callable[[Connection], Any]
# Refusals a unit raises before it changes anything, or after changes it keeps.
REFUSALS = (Forbidden, NotFound, RateLimited, ValidationError)


class GroupCommit:
    """One per app process and database: `await group.run(work)` runs `work(connection)` inside
    a write transaction, possibly shared with other units, and returns its result."""

    def __init__(self, engine: Engine, *, max_batch: int = 64) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._waiting: list[tuple[Work, asyncio.Future[Any]]] = []
        self._writing = False

    async def run(self, work: Callable[[Connection], T]) -> T:
        if self.engine.name != "sqlite":  # writers in parallel: each unit on its own, now
            [(ok, value)] = self._write([work])
            if ok:
                return value
            raise value
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, future))
        if not self._writing:
            self._writing = True
            asyncio.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        batch: list[tuple[Work, asyncio.Future[Any]]] = []
        try:
            while self._waiting:
                # While another process writes, this one goes on taking requests: the units
                # that arrive meanwhile join this batch.
                async with db.writer_turn(self.engine):
                    batch = self._next_batch()
                    outcomes = self._write([work for work, _ in batch])
                for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if future.done():  # its request was cancelled meanwhile
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
                batch = []
                await asyncio.sleep(0)  # let the requests that came meanwhile join the next
        except BaseException as exc:  # the loop is shutting down: nobody waits forever
            for _, future in batch + self._waiting:
                if not future.done():
                    future.set_exception(exc)
            self._waiting.clear()
            raise
        finally:
            self._writing = False

    def _next_batch(self) -> list[tuple[Work, asyncio.Future[Any]]]:
        """The next units in order of arrival, leaving out those whose request was cancelled."""
        self._waiting = [unit for unit in self._waiting if not unit[1].done()]
        batch = self._waiting[: self.max_batch]
        del self._waiting[: self.max_batch]
        return batch

    def _write(self, batch: list[Work]) -> list[tuple[bool, Any]]:
        """Write a batch in one transaction; [(True, result) or (False, exception)] by unit."""
        if not batch:
            return []
        try:
            return self._together(batch)
        except Exception as exc:  # rolled back
            if len(batch) == 1:
                return [(False, exc)]
        return [self._write([work])[0] for work in batch]  # each again, on its own

    def _together(self, batch: list[Work]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        with db.write_connection(self.engine, have_turn=True) as conn:
            for work in batch:
                try:
                    outcomes.append((True, work(conn)))
                except REFUSALS as refusal:  # nothing to undo: the others go on
                    outcomes.append((False, refusal))
        return outcomes
