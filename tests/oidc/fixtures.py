"""A real OpenID Connect provider for tests: npm's `oidc-provider`, run by tests/oidc/provider.js
in a Node subprocess on a free port, and helpers that walk through its development sign-in
pages the way a browser would.

Import the fixtures into a test module (`from tests.oidc.fixtures import oidc_provider`); the
e2e journey uses `running_provider` directly. `make test` installs the npm packages
(`npm ci --prefix tests/oidc`).
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from portal.settings import Settings
from tests.pg import free_port
from tests.processes import stop

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "provider.js"
CLIENT_ID = "portal"
CLIENT_SECRET = "portal-test-client-secret"
TEST_APP = "http://testserver"  # the base URL of the app under Starlette's TestClient
FORM = re.compile(r'<form[^>]*\baction="([^"]+)"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclasses.dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def configure(self, settings: Settings, name: str = "University account") -> Settings:
        """`settings` with single sign-on through this provider."""
        return dataclasses.replace(
            settings,
            oidc_discovery_url=self.discovery_url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_name=name,
        )

    def stop(self) -> None:
        stop(self.process)


@contextmanager
def running_provider(redirect_uris: list[str], log_dir: Path) -> Iterator[Provider]:
    """Start the provider, wait until it serves its discovery document, stop it afterwards."""
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("The test provider's npm packages are missing: npm ci --prefix tests/oidc")
    port = free_port()
    log = log_dir / f"oidc-provider-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["node", str(SCRIPT), str(port), *redirect_uris],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    provider = Provider(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_up(provider)
        yield provider
    finally:
        provider.stop()


def _wait_until_up(provider: Provider) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if provider.process.poll() is not None:
            pytest.fail(f"the OpenID provider stopped while starting:\n{provider.log.read_text()}")
        try:
            if httpx.get(provider.discovery_url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the OpenID provider did not start within 30 s:\n{provider.log.read_text()}")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """The provider for the whole run, redirecting to the TestClient app's callback."""
    with running_provider([f"{TEST_APP}/auth/callback"], tmp_path_factory.mktemp("oidc")) as p:
        yield p


def sign_in_at_provider(browser: httpx.Client, url: str, login: str, back_to: str) -> str:
    """Follow the provider from `url` (its authorization address) through its sign-in and
    consent pages as `login` (any password will do) until it sends the browser to an address
    under `back_to`; return that address."""
    for _step in range(20):
        if url.startswith(back_to):
            return url
        page = browser.get(url)
        if page.is_redirect:
            url = urljoin(str(page.url), page.headers["location"])
            continue
        assert page.status_code == 200, f"{page.status_code} from the provider:\n{page.text}"
        form = FORM.search(page.text)
        assert form, f"no form on the provider's page:\n{page.text}"
        data = {name: unescape(value) for name, value in HIDDEN.findall(form.group(2))}
        if 'name="login"' in form.group(2):
            data.update(login=login, password="any password at all")
        answer = browser.post(urljoin(str(page.url), unescape(form.group(1))), data=data)
        assert answer.is_redirect, f"{answer.status_code} from the provider:\n{answer.text}"
        url = urljoin(str(answer.url), answer.headers["location"])
    raise AssertionError("the provider did not send the browser back")


def provider_browser() -> httpx.Client:
    """A browser's cookie jar for the provider's pages (close it after use)."""
    return httpx.Client(follow_redirects=False, timeout=10)


def path_of(url: str) -> str:
    """The path and query of `url`, for the TestClient."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
