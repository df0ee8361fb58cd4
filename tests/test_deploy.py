"""The recipe in deploy/ for one server, run here as far as a test can run it: Debian's nginx
with the site file in front of two `portal serve` processes and a worker, on a throwaway
PostgreSQL (whatever PORTAL_TEST_DB says); the systemd units as systemd itself reads them; the
environment file against the settings the portal reads."""

from __future__ import annotations

import ast
import io
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, select, text

from portal.cli import build_parser
from portal.core import db
from portal.ideas import services as ideas
from portal.ideas.models import Category
from portal.media.models import Attachment
from portal.settings import PACKAGE_DIR, STATIC_DIR, from_env
from portal.web.csrf import COOKIE as CSRF_COOKIE
from portal.web.csrf import token_for
from tests.conftest import PASSWORD, SECRET, make_user
from tests.pg import free_port
from tests.processes import ROOT, portal_command, portal_server, stop
from tests.smtp import start as start_smtp

DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "portal.conf"
UNITS = ["portal.service", "portal-worker.service", "portal-backup.service", "portal-inbox.service"]
_names = itertools.count()


# nginx ------------------------------------------------------------------------------------


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if not found:
        raise RuntimeError("nginx is not installed (make system-deps, or apt-get install nginx)")
    return found


def _substitute(text: str, pattern: str, new: str, count: int | None = None) -> str:
    """re.sub that insists on finding `pattern` (`count` times): if the site file changes
    shape, the test says so instead of quietly testing something else."""
    result, found = re.subn(pattern, new, text, flags=re.MULTILINE)
    assert found == count if count is not None else found > 0, (pattern, found)
    return result


def render_site(
    *,
    port: int,
    redirect_port: int,
    upstreams: list[int],
    media_dir: Path,
    tls_dir: Path | None = None,
) -> str:
    """deploy/nginx/portal.conf for this machine: its two placeholders filled (a host name,
    the static folder of this checkout), its ports moved to free ones on 127.0.0.1, and its
    upstream set to the test's `portal serve` processes. The TLS server listens on plain http
    (a load balancer's view of it) unless `tls_dir` holds a certificate to use instead of
    certbot's."""
    site = SITE.read_text()
    site = _substitute(site, r"^\s*listen \[::\]:\d+[^;]*;\n", "", 2)
    site = _substitute(site, r"^    listen 80;", f"    listen 127.0.0.1:{redirect_port};", 1)
    if tls_dir is None:
        site = _substitute(site, r"listen 443 ssl[^;]*;", f"listen 127.0.0.1:{port};", 1)
        site = _substitute(site, r"^\s*ssl_\w+ [^;]*;\n", "", 5)
    else:
        site = _substitute(site, r"listen 443 ssl", f"listen 127.0.0.1:{port} ssl", 1)
        site = _substitute(site, r"/etc/letsencrypt/live/@SERVER_NAME@/", f"{tls_dir}/", 2)
    servers = "".join(f"server 127.0.0.1:{p};\n    " for p in upstreams)
    site = _substitute(site, r"server 127\.0\.0\.1:8000;\n    ", servers, 1)
    site = _substitute(site, "@SERVER_NAME@", "localhost")
    site = _substitute(site, "alias @STATIC_DIR@/", f"alias {STATIC_DIR}/", 1)
    site = _substitute(site, "alias @MEDIA_DIR@/", f"alias {media_dir}/", 1)
    assert not re.search(r"^[^#]*@[A-Z_]+@", site, re.MULTILINE)  # every placeholder filled
    return site


# The test's own main configuration: everything in its folder, in the foreground, with an
# access log that names the app process that answered each request.
MAIN = """{user}
daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{
    worker_connections 256;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format upstream '$request_method $uri $status $upstream_addr';
    access_log {d}/access.log upstream;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/portal.conf;
}}
"""


def _nginx_files(folder: Path, site: str) -> list[str]:
    """Write the configuration into `folder`; the nginx command line that uses it."""
    folder.mkdir(parents=True, exist_ok=True)
    # As root, nginx's workers would otherwise run as nobody, who cannot enter pytest's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(MAIN.format(user=user, d=folder))
    (folder / "portal.conf").write_text(site)
    conf, log = folder / "nginx.conf", folder / "error.log"
    return [_nginx(), "-p", f"{folder}/", "-c", str(conf), "-e", str(log)]


@contextmanager
def nginx(folder: Path, site: str, port: int, scheme: str = "http") -> Iterator[None]:
    process = subprocess.Popen(
        _nginx_files(folder, site), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{scheme}://127.0.0.1:{port}/static/favicon.svg", verify=False)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / "error.log").read_text()) from None
                time.sleep(0.05)
        yield
    finally:
        stop(process)


# The stack: nginx, two app processes and a worker on PostgreSQL --------------------------


@pytest.fixture(scope="module")
def stack(pg_server, tmp_path_factory) -> Iterator[SimpleNamespace]:
    folder = tmp_path_factory.mktemp("deploy")
    name = f"deploy_{os.getpid()}_{next(_names)}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    port, redirect_port, tls_port, tls_redirect = (free_port() for _ in range(4))
    upstreams = [free_port(), free_port()]
    smtp, inbox = start_smtp()
    env = {
        **os.environ,
        "DATABASE_URL": pg_server.rsplit("/", 1)[0] + "/" + name,
        "SECRET_KEY": SECRET,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_VAR_DIR": str(folder / "var"),
        "SMTP_URL": inbox.url,
    }
    portal_command("migrate", env=env)  # as portal.service's ExecStartPre does
    engine = db.make_engine(env["DATABASE_URL"])
    certificate = _certificate(folder / "tls")
    with ExitStack() as running:
        for n, upstream in enumerate(upstreams):
            running.enter_context(portal_server(upstream, env, folder / f"serve{n}.log"))
        with (folder / "worker.log").open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "portal.cli", "worker", "--poll", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        running.callback(stop, worker)
        media = folder / "var" / "media"
        site = render_site(
            port=port, redirect_port=redirect_port, upstreams=upstreams, media_dir=media
        )
        running.enter_context(nginx(folder / "nginx", site, port))
        tls_site = render_site(
            port=tls_port,
            redirect_port=tls_redirect,
            upstreams=upstreams,
            media_dir=media,
            tls_dir=certificate,
        )
        running.enter_context(nginx(folder / "nginx-tls", tls_site, tls_port, "https"))
        yield SimpleNamespace(
            url=f"http://127.0.0.1:{port}",
            redirect_url=f"http://127.0.0.1:{redirect_port}",
            tls_url=f"https://127.0.0.1:{tls_port}",
            upstreams=[f"http://127.0.0.1:{p}" for p in upstreams],
            access_log=folder / "nginx" / "access.log",
            engine=engine,
            inbox=inbox,
            logs=folder,
        )
    smtp.stop()
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _certificate(folder: Path) -> Path:
    """A self-signed certificate where certbot would put a real one."""
    folder.mkdir()
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(folder / "privkey.pem")),
            *("-out", str(folder / "fullchain.pem")),
        ],
        check=True,
        capture_output=True,
    )
    return folder


def _idea(stack) -> tuple:  # noqa: ANN001
    """A patron's idea in a category; (author, idea id)."""
    author = make_user(stack.engine)
    with db.write(stack.engine) as s:
        category = Category(slug=f"c{next(_names)}", name="Spaces")
        s.add(category)
        s.flush()
        idea = ideas.propose(
            db=s, actor=author, title="Open on Sundays", body="Please", category_id=category.id
        )
    return author, idea.id


@contextmanager
def _signed_in(url: str, person) -> Iterator[httpx.Client]:  # noqa: ANN001
    """A browser signed in as `person` through the sign-in form at `url`."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        browser.get("/login")
        token = token_for(SECRET, browser.cookies[CSRF_COOKIE])
        answer = browser.post(
            "/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        yield browser


def _form(browser: httpx.Client, path: str, **fields: str) -> httpx.Response:
    token = token_for(SECRET, browser.cookies[CSRF_COOKIE])
    return browser.post(path, data={**fields, "csrf_token": token})


def _count(page: str, idea_id: int) -> int:
    block = page[page.index(f'id="vote-{idea_id}"') :]
    return int(re.search(r'class="vote-count">(\d+)<', block).group(1))


def _logged(stack, *start: str) -> list[str]:  # noqa: ANN001
    """nginx's access-log line (method, path, status, upstream) of the last request that
    begins with `start`. nginx writes it when the connection is done with, which can come a
    moment after the answer."""
    deadline = time.monotonic() + 10
    while True:
        lines = [line.split() for line in stack.access_log.read_text().splitlines()]
        found = [line for line in lines if tuple(line[: len(start)]) == start]
        if found or time.monotonic() > deadline:
            assert found, start
            return found[-1]
        time.sleep(0.05)


def _upstream_of(stack, method: str, path: str) -> str:  # noqa: ANN001
    """The app process that answered the last such request."""
    return f"http://{_logged(stack, method, path)[3]}"


# What the tests ask of it ------------------------------------------------------------------


def test_nginx_passes_pages_to_the_app_and_serves_static_files_itself(stack):
    home = httpx.get(stack.url + "/")
    assert home.status_code == 200
    assert "content-security-policy" in home.headers  # the app answered
    assert "strict-transport-security" not in home.headers  # plain http: no HSTS
    assert "secure" not in home.headers["set-cookie"].lower()

    css = re.search(r'href="(/static/css/site\.css\?v=\w+)"', home.text).group(1)
    static = httpx.get(stack.url + css, headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200
    assert static.content == (STATIC_DIR / "css" / "site.css").read_bytes()
    assert static.headers["content-encoding"] == "gzip"
    assert static.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-security-policy" not in static.headers  # from disk, not from the app
    # Nothing beside the static folder can be reached through it.
    for path in ("/static/..%2fportal%2fsettings.py", "/static../portal/settings.py"):
        outside = httpx.get(stack.url + path)
        assert outside.status_code in {400, 404} and "from_env" not in outside.text, path


def test_nginx_shares_requests_between_both_app_processes(stack):
    for _ in range(6):
        assert httpx.get(stack.url + "/ping").text == "pong"
    pings = [
        line.split() for line in stack.access_log.read_text().splitlines() if " /ping " in line
    ]
    answered = {line[3] for line in pings[-6:]}
    assert {f"http://{a}" for a in answered} == set(stack.upstreams)


def test_https_reported_by_a_load_balancer_makes_cookies_secure_and_sends_hsts(stack):
    answer = httpx.get(stack.url + "/", headers={"X-Forwarded-Proto": "https"})
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
    cookies = answer.headers.get_list("set-cookie")
    assert cookies and all("; secure" in c.lower() for c in cookies)
    # Any other value is the scheme the request really came with.
    plain = httpx.get(stack.url + "/", headers={"X-Forwarded-Proto": "http, https"})
    assert "strict-transport-security" not in plain.headers


def test_the_app_sees_the_browsers_address_not_one_the_browser_claims(stack):
    """nginx appends the address it saw to X-Forwarded-For, and uvicorn takes the last one
    that its trusted proxy (nginx, on 127.0.0.1) vouches for. Here the browser speaks from
    127.0.0.2 and claims another address; the rate limit on signing in counts the real one."""
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=stack.url, transport=transport) as browser:
        browser.get("/login")
        token = token_for(SECRET, browser.cookies[CSRF_COOKIE])
        refused = browser.post(
            "/login",
            data={"email": "nobody@example.org", "password": "wrong", "csrf_token": token},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
    assert refused.status_code == 400
    with stack.engine.connect() as conn:
        keys = conn.execute(text("SELECT key FROM rate_counter")).scalars().all()
    assert any("127.0.0.2" in key for key in keys), keys
    assert not any("203.0.113.9" in key or "127.0.0.1" in key for key in keys), keys


def test_the_site_as_shipped_ends_tls_itself(stack):
    """The same file with its TLS lines (a self-signed certificate in certbot's place)."""
    answer = httpx.get(stack.tls_url + "/", verify=False)
    assert answer.status_code == 200 and answer.http_version in {"HTTP/1.1", "HTTP/2"}
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
    assert all("; secure" in c.lower() for c in answer.headers.get_list("set-cookie"))


def test_plain_http_is_sent_to_https(stack):
    answer = httpx.get(stack.redirect_url + "/ideas?sort=new")
    assert answer.status_code == 301
    assert answer.headers["location"] == "https://127.0.0.1/ideas?sort=new"


def test_nginx_refuses_a_body_larger_than_the_app_takes(stack):
    too_big = httpx.post(stack.url + "/login", content=b"x" * (1024 * 1024 + 1))
    assert too_big.status_code == 413
    assert "content-security-policy" not in too_big.headers  # the app never saw it
    assert _logged(stack, "POST", "/login", "413") == ["POST", "/login", "413", "-"]


def test_a_vote_made_through_one_app_process_is_seen_at_once_through_the_other(stack):
    _, idea_id = _idea(stack)
    page = f"/ideas/{idea_id}"
    for upstream in stack.upstreams:  # both processes keep the page for visitors
        assert _count(httpx.get(upstream + page).text, idea_id) == 0
        assert _count(httpx.get(upstream + page).text, idea_id) == 0

    voter = make_user(stack.engine)
    with _signed_in(stack.url, voter) as browser:
        voted = _form(browser, f"{page}/vote", action="add")
        assert voted.status_code == 303, voted.text
        one = _upstream_of(stack, "POST", f"{page}/vote")
        (other,) = set(stack.upstreams) - {one}
        # The other process, at once: for visitors (its kept page is rendered again) and for
        # the voter, whose vote shows as theirs.
        assert _count(httpx.get(other + page).text, idea_id) == 1
        mine = httpx.get(other + page, cookies=browser.cookies)
        assert _count(mine.text, idea_id) == 1 and 'aria-pressed="true"' in mine.text


def test_the_worker_beside_them_sends_the_email_of_a_comment(stack):
    author, idea_id = _idea(stack)
    with _signed_in(stack.url, make_user(stack.engine)) as browser:
        posted = _form(browser, f"/ideas/{idea_id}/comments", body="Saturdays too, please")
        assert posted.status_code == 303, posted.text
    deadline = time.monotonic() + 30
    while not stack.inbox.by_recipient(author.email) and time.monotonic() < deadline:
        time.sleep(0.1)
    (email,) = stack.inbox.by_recipient(author.email)
    assert "Saturdays too, please" in email.get_body(("plain",)).get_content()


# systemd ------------------------------------------------------------------------------------


# Last of the stack's tests: it signs in through nginx, which the test of the browser's
# address above must not see.
def test_nginx_sends_an_attached_picture_from_disk_once_the_app_allows_it(stack):
    author, idea_id = _idea(stack)
    picture = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(picture, "PNG")
    with _signed_in(stack.url, author) as browser:
        token = token_for(SECRET, browser.cookies[CSRF_COOKIE])
        done = browser.post(
            f"/attach/idea/{idea_id}",
            data={"csrf_token": token, "alt": "A blue square"},
            files={"file": ("square.png", picture.getvalue(), "image/png")},
        )
        assert done.status_code == 303, done.text
    with db.read(stack.engine) as s:
        name = s.execute(select(Attachment.name).where(Attachment.owner_id == idea_id)).scalar()
    on_disk = (stack.logs / "var" / "media" / name).read_bytes()
    served = httpx.get(f"{stack.url}/media/{name}")
    assert served.status_code == 200
    # The app answered with X-Accel-Redirect and no body: these bytes came from nginx.
    assert served.content == on_disk
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "x-accel-redirect" not in served.headers
    # The internal location cannot be asked for directly.
    assert httpx.get(f"{stack.url}/_media/{name}").status_code == 404


def _unit(name: str) -> dict[str, list[str]]:
    """A unit file's settings, each key with its values in order."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verify, with the programs where this checkout has them."""
    portal = str(Path(sys.executable).parent / "portal")
    for name in [*UNITS, "portal-backup.timer"]:
        text = (DEPLOY / name).read_text().replace("/opt/portal/venv/bin/portal", portal)
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            *(str(tmp_path / n) for n in [*UNITS, "portal-backup.timer"]),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_units_run_portal_commands_that_exist_as_the_portal_user():
    commands = []
    for name in UNITS:
        unit = _unit(name)
        assert unit["User"] == ["portal"] and unit["EnvironmentFile"] == ["/etc/portal/portal.env"]
        assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"]
        assert "/var/lib/portal" in unit["ReadWritePaths"][0].split()
        for line in unit.get("ExecStartPre", []) + unit["ExecStart"]:
            line = re.sub(r"\$\$\(date [^)]*\)", "20260101-031500", line)  # the shell's part
            found = re.search(r"/opt/portal/venv/bin/portal ([^'\n]*)", line)
            commands.append(found.group(1).split())
    for args in commands:
        build_parser().parse_args(args)  # exits (and fails the test) on an unknown option
    assert ["migrate"] in commands and ["worker"] in commands
    assert ["backup", "/var/backups/portal/portal-20260101-031500.backup"] in commands
    serve = next(c for c in commands if c[0] == "serve")
    assert serve[serve.index("--port") + 1] == "8000"
    assert "server 127.0.0.1:8000;" in SITE.read_text()  # where nginx looks for it


# The environment file -----------------------------------------------------------------------


def _settings_read() -> set[str]:
    """Every environment variable portal/settings.py reads (env.get / environ.get "NAME")."""
    tree = ast.parse((PACKAGE_DIR / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
        and node.args[0].value.isupper()
    }


def _example_lines() -> dict[str, str]:
    """NAME -> value, for every NAME=value line of the example, set or commented out."""
    found = {}
    for line in (DEPLOY / "portal.env.example").read_text().splitlines():
        match = re.match(r"^#? ?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_the_environment_file_lists_every_setting():
    read = _settings_read()
    assert {"DATABASE_URL", "SECRET_KEY", "BASE_URL", "PORTAL_VAR_DIR"} <= read  # it finds them
    assert read - set(_example_lines()) == set()


def test_the_environment_file_reads_the_same_in_systemd_and_a_shell():
    example = DEPLOY / "portal.env.example"
    shell = subprocess.run(
        ["env", "-i", "bash", "-c", f"set -a; . {example}; exec env -0"],
        capture_output=True,
        check=True,
    )
    sourced = dict(item.split("=", 1) for item in shell.stdout.decode().split("\0") if item)
    for line in example.read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            # systemd's EnvironmentFile= takes the value whole, less its double quotes.
            assert sourced[name] == value.removeprefix('"').removesuffix('"'), name
    settings = from_env(sourced)
    assert settings.base_url == "https://ideas.library.example.org" and settings.secure_cookies
    assert settings.database_url.startswith("postgresql://")
