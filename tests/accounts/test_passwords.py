"""Password hashing runs off the event loop, a few at a time, and never while the database's
write lock is held: a sign-in that is hashing never holds up anyone else's request, and a
flood of sign-ins is answered at once instead of queueing without end. A hash made with older
parameters is made again at the next sign-in.

The tests hold one hash in its thread (an event it waits for) and show what completes in the
meantime: no timing is measured."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from portal.accounts import passwords
from portal.accounts.models import User
from portal.core import db
from portal.ideas.models import Idea
from portal.web.csrf import COOKIE as CSRF_COOKIE
from portal.web.csrf import token_for
from tests.conftest import PASSWORD, SECRET
from tests.core.ratelimit.conftest import one_window  # noqa: F401 - every attempt in one window

HELD = "the password whose hash is held"
WAIT = 10  # seconds: only a guard against a test that would otherwise hang


class HeldHasher(PasswordHasher):
    """The tests' hasher, except that hashing or checking HELD waits in its thread until the
    test lets it go."""

    def __init__(self, base: PasswordHasher) -> None:
        super().__init__(
            time_cost=base.time_cost,
            memory_cost=base.memory_cost,
            parallelism=base.parallelism,
        )
        self.entered = threading.Event()
        self.release = threading.Event()

    def _hold(self, password: str | bytes) -> None:
        if password in (HELD, HELD.encode()):
            self.entered.set()
            self.release.wait(WAIT)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._hold(password)
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._hold(password)
        return super().verify(hash, password)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> HeldHasher:
    hasher = HeldHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    return hasher


class Browser:
    """A browser on the app's own event loop (httpx over ASGI): several at once share it."""

    def __init__(self, app: Any, host: str) -> None:
        transport = httpx.ASGITransport(app=app, client=(host, 50000))
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        if CSRF_COOKIE not in self.http.cookies:
            await self.http.get("/healthz")
        token = token_for(SECRET, self.http.cookies[CSRF_COOKIE])
        return await self.http.post(url, data={**data, "csrf_token": token})

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.post("/login", {"email": email, "password": password})


def _run(app: Any, scenario: Callable[..., Awaitable[None]]) -> None:
    async def main() -> None:
        browsers = [Browser(app, f"198.51.100.{n}") for n in range(1, 6)]
        try:
            await scenario(*browsers)
        finally:
            for browser in browsers:
                await browser.http.aclose()

    asyncio.run(main())


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def _entered(held: HeldHasher) -> None:
    assert await asyncio.to_thread(held.entered.wait, WAIT), "the held hash never started"


HASHING = {
    "sign-in": ("/login", lambda user: {"email": user.email, "password": HELD}, False),
    "sign-up": (
        "/signup",
        lambda user: {"email": "new@example.org", "display_name": "Nia", "password": HELD},
        False,
    ),
    "account deletion": ("/account/delete", lambda user: {"password": HELD}, True),
    "password change": (
        "/account/password",
        lambda user: {"current_password": HELD, "password": "a brand new passphrase"},
        True,
    ),
}


@pytest.mark.parametrize("where", list(HASHING))
def test_a_request_hashing_a_password_never_holds_up_other_requests(
    app, engine, patron, staff, category, held, where
):
    path, form, signed_in = HASHING[where]
    idea_form = {"title": "Open on Sundays", "body": "Please.", "category_id": str(category.id)}

    async def scenario(hashing: Browser, writer: Browser, reader: Browser, *_: Browser) -> None:
        assert (await writer.sign_in(staff.email)).status_code == 303
        if signed_in:
            assert (await hashing.sign_in(patron.email)).status_code == 303
        started = asyncio.create_task(hashing.post(path, form(patron)))
        await _entered(held)
        # Meanwhile: a page is read and an idea is written (the write lock is free).
        page = await asyncio.wait_for(reader.http.get("/ideas"), WAIT)
        posted = await asyncio.wait_for(writer.post("/ideas/new", idea_form), WAIT)
        assert not started.done(), "the hash finished early: it was not held"
        held.release.set()
        answered = await asyncio.wait_for(started, WAIT)
        assert page.status_code == 200 and posted.status_code == 303
        assert answered.status_code in (303, 400)

    _run(app, scenario)
    with db.read(engine) as s:
        titles = s.execute(select(Idea.title)).scalars().all()
    assert titles == ["Open on Sundays"]


def test_a_flood_of_sign_ins_is_answered_at_once_not_queued(app, patron, held, monkeypatch):
    monkeypatch.setattr(passwords, "pool", passwords.Pool(threads=1, waiting=1))

    async def scenario(first: Browser, second: Browser, third: Browser, *_: Browser) -> None:
        hashing = asyncio.create_task(first.sign_in(patron.email, HELD))
        await _entered(held)
        waiting = asyncio.create_task(second.sign_in(patron.email, "another wrong one"))
        # The second sign-in has taken the one place to wait for the thread.
        await asyncio.wait_for(_until(lambda: passwords.pool.admitted == 2), WAIT)
        refused = await asyncio.wait_for(third.sign_in(patron.email, PASSWORD), WAIT)
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) > 0
        assert "busy" in refused.text
        assert not hashing.done() and not waiting.done()
        held.release.set()
        assert (await asyncio.wait_for(hashing, WAIT)).status_code == 400
        assert (await asyncio.wait_for(waiting, WAIT)).status_code == 400
        assert (await third.sign_in(patron.email)).status_code == 303  # room again

    _run(app, scenario)


def test_hashing_on_the_event_loop_is_refused():
    async def on_the_loop() -> None:
        with pytest.raises(RuntimeError, match="event loop"):
            passwords.hash_password(PASSWORD)
        with pytest.raises(RuntimeError, match="event loop"):
            passwords.verify_password(None, PASSWORD)
        assert await passwords.hash_async(PASSWORD)  # in a thread: fine

    asyncio.run(on_the_loop())


def test_sign_in_hashes_the_password_again_when_the_parameters_change(client, engine, patron):
    older = PasswordHasher(time_cost=2, memory_cost=512, parallelism=1)
    with db.write(engine) as s:
        s.get(User, patron.id).password_hash = older.hash(PASSWORD)
    assert client.post("/login", {"email": patron.email, "password": PASSWORD}).status_code == 303
    with db.read(engine) as s:
        stored = s.get(User, patron.id).password_hash
    assert not passwords._hasher.check_needs_rehash(stored)
    assert stored.startswith("$argon2id$") and "m=1024,t=1,p=1" in stored
    assert passwords._hasher.verify(stored, PASSWORD)


def test_a_wrong_password_leaves_an_old_hash_alone(client, engine, patron):
    older = PasswordHasher(time_cost=2, memory_cost=512, parallelism=1).hash(PASSWORD)
    with db.write(engine) as s:
        s.get(User, patron.id).password_hash = older
    client.post("/login", {"email": patron.email, "password": "wrong password!"})
    with db.read(engine) as s:
        assert s.get(User, patron.id).password_hash == older
