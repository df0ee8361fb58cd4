"""A throwaway Matrix homeserver for tests: Synapse from PyPI (the test extra), its config
written under a temp folder, SQLite, listening on 127.0.0.1 on a free port, no federation, no
network; people are registered through its shared-secret admin API. Stopped and deleted
afterwards."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.pg import free_port
from tests.processes import stop

SERVER_NAME = "localhost"
LOOSE = {"per_second": 1000, "burst_count": 1000}


def _config(base: Path, port: int, secret: str) -> str:
    """homeserver.yaml: JSON is YAML, and leaves nothing to quoting."""
    loose = {"address": LOOSE, "account": LOOSE, "failed_attempts": LOOSE}
    return json.dumps(
        {
            "server_name": SERVER_NAME,
            "pid_file": str(base / "homeserver.pid"),
            "listeners": [
                {
                    "port": port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(base / "homeserver.db")}},
            "log_config": str(base / "log.config"),
            "media_store_path": str(base / "media"),
            "signing_key_path": str(base / "signing.key"),
            "registration_shared_secret": secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "enable_metrics": False,
            "rc_message": LOOSE,
            "rc_registration": LOOSE,
            "rc_login": loose,
            "rc_joins": {"local": LOOSE, "remote": LOOSE},
            "rc_invites": {"per_room": LOOSE, "per_user": LOOSE, "per_issuer": LOOSE},
        }
    )


LOG_CONFIG = """version: 1
formatters:
  precise: {format: '%(asctime)s %(name)s %(levelname)s %(message)s'}
handlers:
  file: {class: logging.FileHandler, formatter: precise, filename: LOGFILE}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


@dataclass
class Homeserver:
    url: str
    secret: str
    tokens: dict[str, str] = field(default_factory=dict)

    def register(self, name: str, password: str) -> str:
        """Register `name` (a new user) and return its Matrix user id."""
        api = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(api, timeout=10).json()["nonce"]
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), name.encode(), password.encode(), b"notadmin"]))
        response = httpx.post(
            api,
            json={
                "nonce": nonce,
                "username": name,
                "password": password,
                "admin": False,
                "mac": mac.hexdigest(),
            },
            timeout=10,
        )
        response.raise_for_status()
        found = response.json()
        self.tokens[found["user_id"]] = found["access_token"]
        return str(found["user_id"])


@dataclass
class Person:
    """Someone using a Matrix client, through the client-server API."""

    server: Homeserver
    user_id: str
    seen: set[str] = field(default_factory=set)

    def _call(self, method: str, path: str, **kwargs: object) -> dict:
        response = httpx.request(
            method,
            f"{self.server.url}/_matrix/client/v3{path}",
            headers={"Authorization": f"Bearer {self.server.tokens[self.user_id]}"},
            timeout=30,
            **kwargs,  # type: ignore[arg-type]
        )
        response.raise_for_status()
        return dict(response.json())

    def open_chat(self, bot: str) -> str:
        """A private room with the bot invited; its id."""
        room = self._call("POST", "/createRoom", json={"preset": "private_chat", "invite": [bot]})
        return str(room["room_id"])

    def say(self, room: str, text: str) -> None:
        txn = secrets.token_hex(8)
        self._call(
            "PUT",
            f"/rooms/{quote(room)}/send/m.room.message/{txn}",
            json={"msgtype": "m.text", "body": text},
        )

    def messages_from(self, room: str, sender: str) -> list[str]:
        """Every message `sender` wrote in `room` that this person has not read yet, oldest
        first (and marked read)."""
        found = self._call(
            "GET", f"/rooms/{quote(room)}/messages", params={"dir": "b", "limit": 50}
        )
        new = [
            e
            for e in found["chunk"]
            if e["type"] == "m.room.message"
            and e["sender"] == sender
            and e["event_id"] not in self.seen
        ]
        self.seen.update(e["event_id"] for e in new)
        return [e["content"]["body"] for e in reversed(new)]

    def wait_for(self, room: str, sender: str, count: int = 1, timeout: float = 45) -> list[str]:
        """The next `count` messages from `sender` in `room`, waiting up to `timeout` s."""
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{sender} wrote {got!r} in {room}, waited for {count}")
            got += self.messages_from(room, sender)
            if len(got) < count:
                time.sleep(0.2)
        return got

    def joined(self, room: str, member: str, timeout: float = 45) -> None:
        """Wait until `member` has joined `room`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            members = self._call("GET", f"/rooms/{quote(room)}/joined_members")["joined"]
            if member in members:
                return
            time.sleep(0.2)
        raise AssertionError(f"{member} did not join {room}")


@contextlib.contextmanager
def homeserver() -> Iterator[Homeserver]:
    """Start Synapse and yield it once it answers (within 120 s: a busy machine is slow)."""
    base = Path(tempfile.mkdtemp(prefix="portal-synapse-"))
    port, secret = free_port(), secrets.token_hex(16)
    config = base / "homeserver.yaml"
    config.write_text(_config(base, port, secret))
    (base / "log.config").write_text(LOG_CONFIG.replace("LOGFILE", str(base / "homeserver.log")))
    app = [sys.executable, "-m", "synapse.app.homeserver", "--config-path", str(config)]
    subprocess.run([*app, "--generate-keys"], check=True, capture_output=True, cwd=base)
    with (base / "stdout.log").open("wb") as out:
        process = subprocess.Popen(app, cwd=base, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process, base)
        yield Homeserver(url, secret)
    finally:
        stop(process)
        shutil.rmtree(base, ignore_errors=True)


def _wait(url: str, process: subprocess.Popen, base: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"Synapse stopped while starting:\n{(base / 'stdout.log').read_text()}"
            )
        try:
            if httpx.get(f"{url}/_matrix/client/versions", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Synapse did not answer within 120 s:\n{(base / 'stdout.log').read_text()}")
