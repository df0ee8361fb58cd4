"""Shared by the inbound mail tests: the settings with INBOUND_ADDRESS, messages as a mail
program writes them, what the portal stored, and `portal inbox` run as a real process."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portal.comments.models import Comment
from portal.core import db
from portal.ideas.models import Idea
from portal.notifications.models import EmailOutbox
from portal.settings import Settings
from tests.conftest import SECRET
from tests.processes import ROOT, stop

INBOUND = "ideas@library.example.org"


def with_inbound(settings: Settings) -> Settings:
    return dataclasses.replace(settings, inbound_address=INBOUND)


def message(
    sender: str,
    to: str,
    body: str = "Yes, and please open on Sundays too.",
    *,
    subject: str = "Re: Longer opening hours",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or f"<{time.monotonic_ns()}@mail.example.net>"
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    return msg


def comments_on(engine: Any, idea_id: int) -> list[Comment]:
    with db.read(engine) as s:
        return list(
            s.execute(
                select(Comment).where(Comment.idea_id == idea_id).order_by(Comment.id)
            ).scalars()
        )


def count(engine: Any, model: Any) -> int:
    with db.read(engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def ideas_titled(engine: Any, title: str) -> list[Idea]:
    with db.read(engine) as s:
        return list(s.execute(select(Idea).where(Idea.title == title)).scalars())


def outbox_to(engine: Any, address: str) -> list[EmailOutbox]:
    with db.read(engine) as s:
        return list(s.execute(select(EmailOutbox).where(EmailOutbox.to_addr == address)).scalars())


def env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": settings.base_url,
        "INBOUND_ADDRESS": INBOUND,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }


@contextlib.contextmanager
def inbox_process(
    settings: Settings, tmp_path: Path, port: int, *extra: str
) -> Iterator[subprocess.Popen]:
    """`portal inbox --listen 127.0.0.1:port` as a real process, until the block ends."""
    log = tmp_path / f"inbox-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "inbox", "--listen", f"127.0.0.1:{port}", *extra],
            cwd=ROOT,
            env=env(settings, tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"portal inbox did not start:\n{log.read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.1)
        yield process
    finally:
        stop(process)
