"""The small things every site has: a favicon, robots.txt, the source code of the running
portal (AGPL section 13) linked from every page, and a `portal` command that explains itself."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tomllib
from dataclasses import replace

from portal import __version__
from portal.app import create_app
from portal.settings import PACKAGE_DIR
from tests.conftest import SECRET, Client
from tests.processes import ROOT


def test_favicon_is_an_icon_kept_for_a_day(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age=86400" in response.headers["cache-control"]
    assert 'rel="icon"' in client.get("/").text


def test_robots_keep_crawlers_out_of_personal_and_staff_pages(client):
    text = client.get("/robots.txt").text
    for path in ("/account", "/notifications", "/staff", "/unsubscribe/"):
        assert f"Disallow: {path}\n" in text
    assert "Disallow: /ideas\n" not in text and "Disallow: /\n" not in text


def test_every_page_links_to_the_source_of_the_running_portal(client):
    assert '<a href="/source.tar.gz">Source code</a>' in client.get("/").text
    response = client.get("/source.tar.gz")
    assert response.headers["content-type"] == "application/gzip"
    assert "attachment" in response.headers["content-disposition"]
    with tarfile.open(fileobj=io.BytesIO(response.content)) as archive:
        names = set(archive.getnames())
        shipped = archive.extractfile("codesign-portal/portal/web/site.py").read()  # type: ignore[union-attr]
    assert "codesign-portal/LICENSE" in names and "codesign-portal/pyproject.toml" in names
    assert shipped == (PACKAGE_DIR / "web" / "site.py").read_bytes()
    assert any(n.startswith("codesign-portal/templates/") for n in names)
    assert not any("/var/" in n or "secret" in n or "__pycache__" in n for n in names)
    assert SECRET.encode() not in response.content


def test_source_url_points_the_link_elsewhere(settings):
    app = create_app(replace(settings, source_url="https://git.example.org/library/portal"))
    try:
        with Client(app, base_url="http://testserver") as c:
            page = c.get("/").text
        assert '<a href="https://git.example.org/library/portal">Source code</a>' in page
    finally:
        app.state.engine.dispose()


def _portal(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "portal.cli", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_portal_version_is_the_package_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"]
    assert _portal("--version").strip() == f"portal {__version__}"


def test_every_command_explains_its_options_and_their_defaults():
    overview = _portal("--help")
    for name in ("migrate", "seed-demo", "seed", "create-user", "serve", "worker", "check"):
        assert name in overview
    serve = _portal("serve", "--help")
    assert "--workers WORKERS  app processes (default: 1)" in serve
    assert "(default: 20)" in _portal("worker", "--help")
