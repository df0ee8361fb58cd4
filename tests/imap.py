"""A throwaway IMAP server for tests: Debian's dovecot with a config of its own (a passwd-file
with one mailbox user, maildir mail, plain IMAP on 127.0.0.1 on a free port), run in the
foreground and stopped afterwards.

As root, dovecot runs its login processes as `dovenull` and the mailbox as `nobody`, and
everything it reads at run time lives in a temp folder those users can reach (pytest's
tmp_path is private to root); as anyone else, every process runs as that user."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.pg import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "portal"
PASSWORD = "mailbox-password"


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str

    def url(self, folder: str = "INBOX") -> str:
        return f"imap://{self.user}:{self.password}@{self.host}:{self.port}/{folder}"


def installed() -> bool:
    return os.path.exists(DOVECOT)


def _config(base: Path, port: int) -> str:
    if os.geteuid() == 0:
        login, internal, mail = "dovenull", "dovecot", pwd.getpwnam("nobody")
    else:
        me = pwd.getpwuid(os.geteuid())
        login = internal = me.pw_name
        mail = me
    return (
        f"""
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
mail_location = maildir:{base}/mail/%u
first_valid_uid = {mail.pw_uid}
last_valid_uid = {mail.pw_uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""",
        f"{USER}:{{PLAIN}}{PASSWORD}:{mail.pw_uid}:{mail.pw_gid}::{base}/home\n",
        mail,
    )


@contextlib.contextmanager
def server(tmp_path: Path) -> Iterator[Mailbox]:
    """Start dovecot; yield its mailbox; stop it."""
    base = Path(tempfile.mkdtemp(prefix="portal-imap-"))
    base.chmod(0o755)
    port = free_port()
    config, passwd, mail = _config(base, port)
    conf = tmp_path / "dovecot.conf"
    conf.write_text(config)
    (base / "passwd").write_text(passwd)
    for name in ("mail", "home"):
        (base / name).mkdir()
        os.chown(base / name, mail.pw_uid, mail.pw_gid)
    with (tmp_path / "dovecot.out").open("wb") as out:
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait(port, process, base, tmp_path / "dovecot.out")
        yield Mailbox("127.0.0.1", port, USER, PASSWORD)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(base, ignore_errors=True)


def _wait(port: int, process: subprocess.Popen, base: Path, output: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = output.read_text()
            log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot stopped while starting:\n{out}{log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError("dovecot did not listen within 20 s")
