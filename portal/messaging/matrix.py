"""`portal bot`: the Matrix bot, with matrix-nio (no end-to-end encryption: it answers in rooms
that are not encrypted, which the README tells a library to use).

It logs in as MATRIX_USER (or takes up the login it remembered, shared with the worker, which
sends the notifications), joins every room it is invited to, and answers each text message in
its room through portal.messaging.commands. It remembers its sync token in the database, so a
restarted bot goes on where it stopped: what was written meanwhile is answered, nothing twice.
The token of a batch is kept before its messages are handled, so a crash in the middle loses
the rest of that batch rather than proposing an idea twice (the person can send it again)."""

from __future__ import annotations

import asyncio
import logging
import signal

import nio
from sqlalchemy import Engine

from portal.core import db
from portal.messaging import commands, delivery, queries, services
from portal.messaging.models import MATRIX

log = logging.getLogger("portal.bot")
SYNC_TIMEOUT_MS = 30_000


class Bot:
    def __init__(self, chat: commands.Chat) -> None:
        settings = chat.settings
        if not (settings.matrix_homeserver and settings.matrix_user and settings.matrix_password):
            raise SystemExit("portal bot needs MATRIX_HOMESERVER, MATRIX_USER and MATRIX_PASSWORD")
        self.chat = chat
        self.client = nio.AsyncClient(
            settings.matrix_homeserver,
            settings.matrix_user,
            config=nio.AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False),
        )

    @property
    def engine(self) -> Engine:
        return self.chat.engine

    def _state(self, name: str) -> str:
        with db.read(self.engine) as s:
            return queries.state(s, name)

    def _remember(self, name: str, value: str) -> None:
        with db.write(self.engine, shown=False) as s:
            services.remember(s, name, value)

    async def login(self) -> None:
        """Take up the remembered login, or log in with the password (and remember it)."""
        token = self._state(delivery.ACCESS_TOKEN)
        if token:
            self.client.restore_login(
                self._state(delivery.USER_ID), self._state(delivery.DEVICE_ID), token
            )
            return
        response = await self.client.login(self.chat.settings.matrix_password, device_name="portal")
        if not isinstance(response, nio.LoginResponse):
            raise SystemExit(f"the Matrix login failed: {response}")
        delivery.save_login(
            self.engine, response.access_token, response.device_id, response.user_id
        )

    async def run(self) -> None:
        """Sync and answer until cancelled."""
        await self.login()
        since = self._state(delivery.SYNC_TOKEN) or None
        log.info("bot %s started", self.client.user_id)
        while True:
            response = await self.client.sync(timeout=SYNC_TIMEOUT_MS, since=since)
            if not isinstance(response, nio.SyncResponse):
                await self._sync_failed(response)
                continue
            first, since = since is None, response.next_batch
            self._remember(delivery.SYNC_TOKEN, since)
            await self.handle(response, answer=not first)

    async def _sync_failed(self, response: nio.SyncError) -> None:
        log.warning("sync failed: %s", response)
        if getattr(response, "status_code", "") == "M_UNKNOWN_TOKEN":
            self._remember(delivery.ACCESS_TOKEN, "")
            await self.login()
        await asyncio.sleep(5)

    async def handle(self, response: nio.SyncResponse, *, answer: bool) -> None:
        """Join the rooms it is invited to; answer the text messages (not on the very first
        sync, whose timeline is old history)."""
        for room_id in response.rooms.invite:
            joined = await self.client.join(room_id)
            log.info("invited to %s: %s", room_id, type(joined).__name__)
        if not answer:
            return
        for room_id, room in response.rooms.join.items():
            for event in room.timeline.events:
                if isinstance(event, nio.RoomMessageText) and event.sender != self.client.user_id:
                    await self.reply(room_id, event)

    def private(self, room_id: str) -> bool:
        """Whether only the bot and one person are in the room (invited or joined)."""
        room = self.client.rooms.get(room_id)
        return room is not None and room.member_count <= 2

    async def reply(self, room_id: str, event: nio.RoomMessageText) -> None:
        # Notifications go only to a room of two: in a shared room others would read them.
        text = await asyncio.to_thread(
            commands.answer,
            self.chat,
            platform=MATRIX,
            address=event.sender,
            text=event.body,
            room=room_id if self.private(room_id) else "",
        )
        # m.notice: what bots say, which other bots do not answer (no loops between them).
        await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.notice", "body": text},
            tx_id=f"reply-{event.event_id}",
        )


async def _main(chat: commands.Chat) -> None:
    bot = Bot(chat)
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        if task is not None:
            loop.add_signal_handler(sig, task.cancel)
    try:
        await bot.run()
    except asyncio.CancelledError:
        log.info("bot stopping")
    finally:
        await bot.client.close()


def run(chat: commands.Chat) -> None:
    """Run the bot until SIGTERM or SIGINT."""
    asyncio.run(_main(chat))
