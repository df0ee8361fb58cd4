"""Every main page is valid HTML by the Nu Html Checker (vnu.jar from npm, tests/html/, run with
the system's Java), as it comes from the server: signed out and signed in as each role, in
English and in Chinese, error pages and forms showing their errors included. htmx's `hx-*`
attributes are the one thing set aside: HTML allows only `data-*` as custom attributes, and
vnu says so for each of them.

The pages are fetched first and checked in one run of vnu at the end, as its Java start-up
costs more than checking a hundred pages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import BrowserContext

from tests.processes import ROOT

VNU = ROOT / "tests" / "html" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# vnu's words for an attribute HTML does not define, for htmx's and nothing else.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z:-]+” not allowed on element “[a-z0-9]+” at this")
LANGUAGES = ("en", "zh_Hans")

# What everyone can open, whoever they are; `{idea}` and the like are filled in from the lists.
EVERYONE = [
    "/",
    "/ideas",
    "/ideas?sort=discussed",
    "/ideas?q=zzzzzz",
    "/ideas/{idea}",
    "/ideas/{answered}",
    "/sessions",
    "/sessions?when=past",
    "/sessions/{session}",
    "/sessions/{past_session}",
    "/you-said-we-did",
    "/you-said-we-did/{decision}",
    "/you-said-we-did/{decision}/history",
    "/scorecard",
    "/committee",
    "/stories",
    ("/no/such/page", 404),
    ("/ideas/999999", 404),
]
VISITOR = [
    "/login",
    "/signup",
    "/password/forgot",
    ("/unsubscribe/not-a-token", 400),
]
SIGNED_IN = [
    "/ideas/new",
    "/stories/new",
    "/account",
    "/account/delete",
    "/notifications",
    "/notifications/settings",
]
PATRON = [*SIGNED_IN, ("/staff", 403)]
STAFF = [
    "/staff",
    "/ideas/{idea}/edit",
    "/sessions/{session}/edit",
    "/staff/decisions/new",
    "/staff/sessions/new",
    "/staff/emails",
    "/staff/messages",
    "/staff/users",
    "/staff/teams",
    "/staff/teams/{team}",
    "/staff/stories",
    ("/staff/settings", 403),
]
ADMIN = [
    "/staff",
    "/staff/settings",
    "/staff/committee",
    "/staff/audit",
    "/staff/categories",
    "/staff/categories/{category}",
    "/staff/teams",
    "/staff/teams/{team}",
]
# Forms sent empty (or nearly), so that the page shows its error summary and marked fields.
BAD_FORMS = {
    "visitor": [("/signup", {"email": "not an address"})],
    "patron": [("/ideas/new", {}), ("/stories/new", {})],
    "staff": [("/staff/decisions/new", {}), ("/staff/sessions/new", {})],
}


def test_pages_are_valid_html(new_context, sign_in, tmp_path: Path) -> None:
    assert shutil.which("java"), "vnu needs Java: `make system-deps` installs it"
    assert VNU.exists(), "vnu.jar is missing: `make tests/html/node_modules/.installed`"
    visitor = new_context()
    addresses = _addresses(visitor)
    pages: dict[str, str] = {}  # file name: who, language and address, for the message
    for who, extra in [
        ("visitor", VISITOR),
        ("patron", PATRON),
        ("committee", SIGNED_IN),
        ("staff", SIGNED_IN + STAFF),
        ("admin", SIGNED_IN + ADMIN),
    ]:
        context = visitor if who == "visitor" else new_context()
        if who != "visitor":
            sign_in(context.new_page(), f"{who}@example.org")
        # Ids only staff (a team) or an admin (a category) can see.
        if who == "staff":
            addresses["team"] = _first(context, "/staff/teams", r'href="/staff/teams/(\d+)"')
        if who == "admin":
            addresses["category"] = _first(
                context, "/staff/categories", r'href="/staff/categories/(\d+)"'
            )
        for language in LANGUAGES:
            context.add_cookies([{"name": "lang", "value": language, "url": addresses["url"]}])
            for item in EVERYONE + extra:
                path, status = item if isinstance(item, tuple) else (item, 200)
                body = _get(context, path.format(**addresses), status)
                _keep(tmp_path, pages, body, f"{who}, {language}: GET {path.format(**addresses)}")
            for path, form in BAD_FORMS.get(who, []):
                body = _post_with_errors(context, path, form)
                _keep(tmp_path, pages, body, f"{who}, {language}: POST {path} with errors")
    assert len(pages) > 150

    errors = [e for e in _vnu(tmp_path, sorted(pages)) if not HTMX_ATTRIBUTE.match(e["message"])]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(
        f"{pages[Path(e['url']).name]}, line {e.get('lastLine')}: {e['message']}\n"
        f"    {e.get('extract', '').strip()}"
        for e in errors
    )


def _addresses(context: BrowserContext) -> dict[str, str]:
    """Ids of a few demo records, taken from the lists a visitor sees."""
    url = context.request.get("/").url.rstrip("/")
    return {
        "url": url,
        "idea": _first(context, "/ideas?sort=discussed", r'href="/ideas/(\d+)"'),
        "answered": _first(context, "/", r'href="/ideas/(\d+)#history"'),
        "session": _first(context, "/sessions", r'href="/sessions/(\d+)"'),
        "past_session": _first(context, "/sessions?when=past", r'href="/sessions/(\d+)"'),
        "decision": _first(context, "/you-said-we-did", r'href="/you-said-we-did/(\d+)"'),
    }


def _first(context: BrowserContext, path: str, pattern: str) -> str:
    found = re.search(pattern, _get(context, path))
    assert found, f"no {pattern} on {path}"
    return found.group(1)


def _get(context: BrowserContext, path: str, status: int = 200) -> str:
    response = context.request.get(path, max_redirects=0)
    assert response.status == status, f"GET {path}: {response.status}, not {status}"
    return response.text()


def _post_with_errors(context: BrowserContext, path: str, form: dict[str, str]) -> str:
    """Send the form at `path` with `form` (and its CSRF token); the page that names the
    problems comes back."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', _get(context, path))
    assert token, f"no CSRF token on {path}"
    response = context.request.post(
        path, form={"csrf_token": token.group(1), **form}, max_redirects=0
    )
    assert response.status in (400, 422), f"POST {path}: {response.status}"
    body = response.text()
    assert "There is a problem" in body or "请更正以下问题" in body, body
    return body


def _keep(folder: Path, pages: dict[str, str], body: str, what: str) -> None:
    name = f"{len(pages):03d}.html"
    (folder / name).write_text(body, encoding="utf-8")
    pages[name] = what


def _vnu(folder: Path, names: list[str]) -> list[dict]:
    """vnu's errors for the files `names` in `folder`, in one Java run."""
    files = [str(folder / n) for n in names]
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu writes its report to stderr, and exits with 1 when it found an error.
    assert done.returncode in (0, 1), done.stderr
    return [m for m in json.loads(done.stderr)["messages"] if m["type"] != "info"]
