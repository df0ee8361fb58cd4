"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping what it accepted.

A message counts as delivered only once the server has answered 250 to it, as with a real
mail server; `hold_after(n)` makes the server stall before accepting message n+1, so a test can
kill a sender in the middle of a batch at a known point."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.pg import free_port


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    hold_at: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    reject_all: bool = False
    url: str = ""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.reject_all:
            return "451 Try again later"
        if self.hold_at is not None and len(self.messages) >= self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 Not accepted"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def hold_after(self, n: int) -> None:
        self.hold_at = n

    def by_recipient(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


def start() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}"
    return controller, inbox
