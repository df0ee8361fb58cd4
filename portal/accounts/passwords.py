"""Password hashing with argon2id, off the event loop and a few at a time.

One argon2 hash takes tens of milliseconds of CPU and 64 MiB of memory, on purpose. Computed
on the event loop, it stops every other request of the process meanwhile; computed inside a
write transaction, it holds SQLite's single writer lock as long. So requests hash and check
passwords only through `hash_async` and `verify_async`, before or after their transactions:
the work runs in a small pool of threads (`Pool`), and the plain functions refuse to run on an
event loop, so a mistake fails loudly in the tests instead of slowing the site.

The pool runs `threads` hashes at once and lets at most `waiting` more wait for a thread;
past that, `Busy` is raised at once (the app answers 503 with Retry-After). A flood of
sign-ins therefore costs a bounded amount of memory and time, and everyone else is served.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")

_hasher = PasswordHasher()
# Verifying against this when no account matches keeps sign-in time the same either way.
_DUMMY = _hasher.hash("not a real password, only for timing")


class Busy(Exception):
    """Too many passwords are being hashed in this process just now; try again shortly."""

    retry_after = 5


class Pool:
    """`threads` threads that hash, and room for `waiting` more requests to wait for one.

    Process-wide (not per event loop), so the bound holds whatever serves the requests; a
    place is given back when the hash ends, even if the request that asked has gone."""

    def __init__(self, *, threads: int, waiting: int) -> None:
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="password")
        self.places = threading.BoundedSemaphore(threads + waiting)
        self.limit = threads + waiting
        self._lock = threading.Lock()
        self.admitted = 0  # hashing or waiting now

    def _give_back(self, _done: Future | None = None) -> None:
        with self._lock:
            self.admitted -= 1
        self.places.release()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` in one of the pool's threads; Busy when there is no room."""
        if not self.places.acquire(blocking=False):
            raise Busy()
        with self._lock:
            self.admitted += 1
        try:
            future = self.executor.submit(fn, *args)
        except BaseException:  # the executor was shut down
            self._give_back()
            raise
        future.add_done_callback(self._give_back)
        return await asyncio.wrap_future(future)


# Two at a time: 128 MiB at most, and the CPU of one core each; sixteen more may wait (less
# than a second each on a small server) before the process answers "busy".
pool = Pool(threads=2, waiting=16)


def _off_the_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "password hashing on the event loop: use passwords.hash_async / verify_async"
    )


def hash_password(password: str) -> str:
    """The argon2id hash of `password` (outside any event loop: commands, worker threads)."""
    _off_the_loop()
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash, a dummy is checked so it takes as long."""
    _off_the_loop()
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's (cheap: no hashing)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


async def hash_async(password: str) -> str:
    """`hash_password` in the pool; raises Busy when the pool is full."""
    return await pool.run(hash_password, password)


async def verify_async(password_hash: str | None, password: str) -> bool:
    """`verify_password` in the pool; raises Busy when the pool is full."""
    return await pool.run(verify_password, password_hash, password)
