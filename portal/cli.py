"""The `portal` command: migrate, seed-demo, seed, create-user, serve, worker, inbox, bot,
check, backup, restore.

Each command imports what it runs when it runs, so `portal migrate` or `portal --help` does
not load every domain; a command that runs the domains' code imports portal.domains first,
so whatever they register with the floors below is in place (the app does the same).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from portal import settings as settings_mod
from portal.core import db
from portal.media import storage as media_storage


def _settings() -> settings_mod.Settings:
    """The settings from the environment; files are kept under their MEDIA_DIR, as the app
    keeps them, whichever command writes or removes them (seed-demo, check --repair, the
    worker forgetting a deleted account's files)."""
    s = settings_mod.from_env()
    media_storage.use(s.media_dir)
    return s


def cmd_migrate(args: argparse.Namespace) -> int:
    import portal.models  # noqa: F401 - every table's Markdown columns
    from portal.core import markdown
    from portal.core.migrate import upgrade

    s = _settings()
    upgrade(s.database_url)
    engine = db.make_engine(s.database_url, pool=False)
    with engine.connect() as conn:
        rendered = markdown.rerender_all(conn)
    engine.dispose()
    if rendered:
        print(f"Rendered the Markdown of {rendered} rows again.")
    print("Database is up to date.")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    import portal.domains  # noqa: F401 - every domain's registrations
    from portal.tools.demo import seed_demo

    s = _settings()
    engine = db.make_engine(s.database_url)
    password = seed_demo(engine, password=args.password, only_if_empty=args.if_empty)
    if password is None:
        print("The database already has data; the demo was not added.")
        return 0
    var_dir = settings_mod.var_dir()
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "demo_password").write_text(password + "\n")
    print("Demo data is in place. Demo accounts (password for all of them):")
    for role in ("patron", "committee", "staff", "admin"):
        print(f"  {role}@example.org")
    print(f"  password: {password}")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise SystemExit("The two passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_create_user(args: argparse.Namespace) -> int:
    import portal.domains  # noqa: F401 - every domain's registrations
    from portal.accounts import services
    from portal.core.errors import ValidationError

    s = _settings()
    # No pool: a one-shot command must not leave a connection open behind it.
    engine = db.make_engine(s.database_url, pool=False)
    password = _read_password()
    try:
        with db.write(engine) as session:
            user = services.create_user(
                db=session,
                email=args.email,
                display_name=args.name or args.email.split("@")[0],
                password=password,
                role=args.role,
            )
    except ValidationError as exc:
        for name, message in exc.errors.items():
            print(f"{name}: {message}", file=sys.stderr)
        return 1
    print(f"Created {user.email} with role {user.role}.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os
    import tempfile
    from contextlib import nullcontext

    import uvicorn

    from portal.core import logs

    s = _settings()
    # With METRICS_TOKEN, each app process writes its counts into a directory of this
    # command's own, and /metrics adds them up (prometheus-client's multiprocess mode).
    own_dir = tempfile.TemporaryDirectory(prefix="portal-metrics-") if s.metrics_token else None
    with own_dir or nullcontext():
        if own_dir is not None:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_dir.name
        uvicorn.run(
            "portal.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            log_config=logs.config(s),  # applied again in every worker process
            log_level=s.log_level.lower(),
            access_log=False,  # portal.web.access writes one line per request
        )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    import portal.domains  # noqa: F401 - every domain's registrations
    from portal.tools.bulk import seed

    s = _settings()
    engine = db.make_engine(s.database_url)
    counts = seed(
        engine, ideas=args.ideas, users=args.users, votes=args.votes, comments=args.comments
    )
    engine.dispose()
    print("Seeded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import portal.domains  # noqa: F401 - every domain's jobs, and the words of its emails
    from portal.app import routes
    from portal.core import errorreports, logs
    from portal.notifications.worker import Worker
    from portal.web import urls

    s = _settings()
    urls.use(routes())  # the addresses in emails
    logs.configure(s)
    errorreports.init(s)
    Worker(s, batch=args.batch).run(once=args.once, poll=args.poll)
    return 0


def cmd_inbox(args: argparse.Namespace) -> int:
    import portal.domains  # noqa: F401 - every domain's registrations
    from portal.app import routes
    from portal.core import errorreports, logs
    from portal.core.ratelimit.limits import counter_for
    from portal.inbound import receive
    from portal.web import urls

    s = _settings()
    urls.use(routes())  # the addresses in answers
    logs.configure(s)
    errorreports.init(s)
    if not s.inbound_address:
        print("Set INBOUND_ADDRESS (the address people write to) first.", file=sys.stderr)
        return 2
    engine = db.make_engine(s.database_url)
    counter = counter_for(s.redis_url, engine, factor=s.rate_limit_factor)
    receiver = receive.Receiver(engine, s, counter)
    try:
        if args.imap:
            receive.poll(receiver, args.imap, every=args.poll, once=args.once)
        else:
            host, _, port = (args.listen or "127.0.0.1:2525").rpartition(":")
            receive.listen(receiver, host.strip("[]") or "127.0.0.1", int(port), lmtp=args.lmtp)
    except receive.MailboxError as exc:
        print(f"The mailbox could not be read: {exc}", file=sys.stderr)
        return 1
    finally:
        counter.close()
        engine.dispose()
    return 0


def cmd_bot(args: argparse.Namespace) -> int:
    import portal.domains  # noqa: F401 - every domain's words, for the replies
    from portal.app import routes
    from portal.core import errorreports, logs
    from portal.core.ratelimit.limits import counter_for
    from portal.messaging import matrix
    from portal.messaging.commands import Chat
    from portal.web import urls

    s = _settings()
    urls.use(routes())  # the addresses in replies
    logs.configure(s)
    errorreports.init(s)
    engine = db.make_engine(s.database_url)
    matrix.run(Chat(engine, s, counter_for(s.redis_url, engine, factor=s.rate_limit_factor)))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from portal.domains import check

    engine = db.make_engine(_settings().database_url, pool=False)
    try:
        report = check(engine, repair=args.repair)
    finally:
        engine.dispose()
    for finding in report.findings:
        print(finding)
    print(report.summary())
    return 1 if report.left else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from portal.core.backup import BackupError, backup

    try:
        s = _settings()
        print(backup(s.database_url, Path(args.file), Path(s.media_dir)))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from portal.core.backup import BackupError, restore

    try:
        s = _settings()
        print(
            restore(s.database_url, Path(args.file), force=args.force, media_dir=Path(s.media_dir))
        )
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `portal` command's arguments: every command, every option with its help."""
    from portal import __version__

    defaults = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(
        prog="portal",
        description="The library co-design portal. Every command reads its settings from the "
        "environment (DATABASE_URL, SECRET_KEY, BASE_URL, ...: see the README).",
        formatter_class=defaults,
    )
    parser.add_argument("--version", action="version", version=f"portal {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, formatter_class=defaults)

    command("migrate", "Bring the database schema up to date (safe on every start).").set_defaults(
        func=cmd_migrate
    )

    p = command("seed-demo", "Fill the database with a living demo and print its password.")
    p.add_argument("--password", help="password of the demo accounts (generated when not given)")
    p.add_argument("--if-empty", action="store_true", help="do nothing when ideas exist already")
    p.set_defaults(func=cmd_seed_demo)

    p = command("seed", "Add bulk data for benchmarks.")
    p.add_argument("--ideas", type=int, default=1000, help="ideas to add")
    p.add_argument("--users", type=int, default=500, help="people to add")
    p.add_argument("--votes", type=int, default=10000, help="votes to add")
    p.add_argument("--comments", type=int, default=3000, help="comments to add")
    p.set_defaults(func=cmd_seed)

    p = command(
        "create-user",
        "Create an account. The password is asked twice at a terminal, or read from the first "
        "line of standard input.",
    )
    p.add_argument("email", help="the account's email address")
    p.add_argument(
        "--role",
        default="patron",
        choices=["patron", "committee", "staff", "admin"],
        help="what the account may do",
    )
    p.add_argument("--name", help="the name other people see (default: the part before @)")
    p.set_defaults(func=cmd_create_user)

    p = command("serve", "Serve the portal with uvicorn.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument("--workers", type=int, default=1, help="app processes")
    p.set_defaults(func=cmd_serve)

    p = command("worker", "Send notifications, email, digests and session reminders.")
    p.add_argument("--once", action="store_true", help="stop when there is nothing left to do")
    p.add_argument("--batch", type=int, default=20, help="emails per SMTP connection")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between idle checks")
    p.set_defaults(func=cmd_worker)

    command(
        "bot",
        "Run the Matrix bot (MATRIX_HOMESERVER, MATRIX_USER, MATRIX_PASSWORD): it links "
        "accounts, takes ideas and votes, and answers in the room.",
    ).set_defaults(func=cmd_bot)

    p = command(
        "inbox",
        "Receive replies and ideas sent to INBOUND_ADDRESS: by SMTP or LMTP on --listen, or "
        "from the IMAP mailbox at --imap.",
    )
    p.add_argument("--listen", metavar="HOST:PORT", help="serve SMTP here (default 127.0.0.1:2525)")
    p.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP on --listen")
    p.add_argument(
        "--imap",
        metavar="URL",
        help="collect from imaps://user:password@host[:port]/Folder (imap:// for plain, "
        "?starttls=1 to upgrade) instead of listening",
    )
    p.add_argument("--poll", type=float, default=60.0, help="seconds between mailbox checks")
    p.add_argument("--once", action="store_true", help="with --imap: collect once and stop")
    p.set_defaults(func=cmd_inbox)

    p = command(
        "check",
        "Compare every counter and reference the portal keeps with the rows; exit 1 when "
        "anything disagrees.",
    )
    p.add_argument(
        "--repair", action="store_true", help="set right what the rows say, in one transaction"
    )
    p.set_defaults(func=cmd_check)

    p = command(
        "backup",
        "Write a consistent copy of the whole database to FILE while the site is serving "
        "(SQLite: the online backup API; PostgreSQL: pg_dump's custom format), and the "
        "attached files under MEDIA_DIR to FILE.media.tar.",
    )
    p.add_argument("file", metavar="FILE", help="where to write the backup (replaced if it exists)")
    p.set_defaults(func=cmd_backup)

    p = command(
        "restore",
        "Load a backup made by `portal backup` into the empty database at DATABASE_URL, and "
        "the attached files of FILE.media.tar into MEDIA_DIR (stop the site first).",
    )
    p.add_argument("file", metavar="FILE", help="the backup to load")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace whatever the database holds (every table in it is dropped first)",
    )
    p.set_defaults(func=cmd_restore)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
