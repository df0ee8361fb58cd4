"""Pages kept for visitors: reused only while nothing changed, never for signed-in people,
and every visitor gets their own CSRF token in a kept page."""

from __future__ import annotations

import re

from sqlalchemy import event

from portal.core import db
from portal.core.db import make_engine
from portal.ideas.models import Idea
from portal.web.csrf import COOKIE as CSRF_COOKIE
from portal.web.csrf import token_for
from tests import factories as f
from tests.conftest import SECRET, Client, login_as


def _statements(engine, fetch) -> int:  # noqa: ANN001
    seen: list[str] = []
    record = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        fetch()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len([s for s in seen if not s.startswith("BEGIN")])


def _page_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]{40})"', html).group(1)  # type: ignore[union-attr]


def test_a_visitor_page_is_sent_again_with_one_read_until_the_data_changes(
    client, engine, patron, category
):
    idea = f.idea(engine, patron, category, title="Longer opening hours")
    first = client.get("/ideas")
    assert "x-cache" not in first.headers and "Longer opening hours" in first.text
    assert _statements(engine, lambda: client.get("/ideas")) == 1  # the version, nothing else
    again = client.get("/ideas")
    assert again.headers["x-cache"] == "hit" and again.text == first.text

    f.vote(engine, patron, idea.id)  # any write moves the version
    fresh = client.get(f"/ideas/{idea.id}")
    assert "x-cache" not in fresh.headers
    listed = client.get("/ideas")
    assert "x-cache" not in listed.headers
    assert re.search(r'class="vote-count">1<', listed.text)


def test_a_write_from_another_process_is_seen(client, engine, database_url, patron, category):
    idea = f.idea(engine, patron, category, title="Quiet room")
    client.get(f"/ideas/{idea.id}")
    other = make_engine(database_url)  # a second process, with its own engine
    try:
        with db.write(other) as s:
            s.get(Idea, idea.id).title = "Quiet room for exams"
    finally:
        other.dispose()
    assert "Quiet room for exams" in client.get(f"/ideas/{idea.id}").text


def test_each_visitor_gets_their_own_csrf_token_in_a_kept_page(app, client):
    client.get("/")
    other = Client(app, base_url="http://testserver")
    page = other.get("/")
    assert page.headers["x-cache"] == "hit"
    assert "\x00" not in page.text
    token = _page_token(page.text)
    assert token == token_for(SECRET, other.cookies[CSRF_COOKIE]) != client.csrf_token()
    # and the form on the kept page works for that visitor
    r = other.post(
        "/language", {"lang": "zh_Hans", "next": "/", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303


def test_signed_in_people_never_get_or_leave_a_kept_page(client, engine, patron, category):
    f.idea(engine, patron, category)
    client.get("/ideas")
    login_as(client, patron)
    mine = client.get("/ideas")
    assert "x-cache" not in mine.headers and patron.display_name in mine.text
    client.cookies.clear()
    visitor = client.get("/ideas")  # had the signed-in page been kept, this would be it
    assert patron.display_name not in visitor.text


def test_languages_and_htmx_partials_are_kept_apart(client, engine, patron, category):
    f.idea(engine, patron, category)
    english = client.get("/ideas").text
    chinese = client.get("/ideas", headers={"Accept-Language": "zh-CN"})
    assert "x-cache" not in chinese.headers and chinese.text != english
    partial = client.get("/ideas", headers={"HX-Request": "true"})
    assert "x-cache" not in partial.headers and "<html" not in partial.text


def test_flash_messages_and_errors_are_never_kept(client):
    client.cookies.set("flash", "saved")
    client.get("/")
    client.cookies.delete("flash")
    assert "x-cache" not in client.get("/").headers
    client.get("/ideas/999999")
    assert "x-cache" not in client.get("/ideas/999999").headers


def test_a_kept_page_expires(client, monkeypatch):
    client.get("/")
    clock = __import__("time").monotonic() + 31
    monkeypatch.setattr("portal.web.pagecache.time.monotonic", lambda: clock)
    assert "x-cache" not in client.get("/").headers


def test_writes_no_page_shows_leave_kept_pages_alone(client, engine, patron):
    client.get("/")
    with db.write(engine, shown=False):
        pass
    assert client.get("/").headers["x-cache"] == "hit"
    login_as(client, patron)  # signing in writes a login session and moves the version
    client.cookies.clear()
    client.get("/")
    assert client.get("/").headers["x-cache"] == "hit"


# Cookie headers that Python's SimpleCookie gives up on before it reaches `sid`, while the
# parser that signs people in reads on: each once let a signed-in page be kept for everyone.
UNREADABLE_BEFORE_SID = [
    '{"theme": "dark"}',
    "consent=yes please",
    "prefs=[1,2]",
    "path=C:\\temp",
    'quote="unclosed',
    "name=Zoë",
    "a=b;;;c",
    "=nameless",
    "tab=a\tb",
    "x=y, z=w",
]
PRIVATE_PAGES = ["/account", "/account/export.json", "/notifications", "/staff"]


def _sid(client) -> str:  # noqa: ANN001
    return client.cookies["sid"]


def test_a_signed_in_page_is_never_kept_whatever_else_the_cookie_header_holds(app, client, staff):
    login_as(client, staff)
    sid = _sid(client)
    for junk in UNREADABLE_BEFORE_SID:
        for address in PRIVATE_PAGES:
            header = f"{junk}; sid={sid}".encode()
            raw = Client(app, base_url="http://testserver")
            signed_in = raw.get(address, headers={"Cookie": header})
            assert signed_in.status_code == 200, (junk, address)
            assert staff.display_name in signed_in.text, (junk, address)
            assert signed_in.headers["cache-control"] == "private, no-store", (junk, address)
            visitor = Client(app, base_url="http://testserver").get(address, follow_redirects=False)
            assert visitor.status_code == 303, (junk, address)  # to the sign-in page
            assert staff.display_name not in visitor.text, (junk, address)


def test_every_response_for_a_signed_in_person_is_private(client, engine, patron, category):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    for address in ["/", "/ideas", f"/ideas/{idea.id}", "/account", "/ideas/999999"]:
        response = client.get(address)
        assert response.headers["cache-control"] == "private, no-store", address
    client.cookies.clear()
    assert "private" not in client.get("/ideas").headers.get("cache-control", "")


def test_a_page_rendered_for_a_signed_in_person_is_not_kept_even_as_a_plain_visit(
    app, client, engine, patron, monkeypatch
):
    """The second guard: whatever the request looked like, a response that was rendered for
    someone signed in is never kept."""
    login_as(client, patron)
    sid = _sid(client)
    from portal.web.pagecache import PageCacheMiddleware

    monkeypatch.setattr(PageCacheMiddleware, "_credentials", staticmethod(lambda scope: False))
    signed_in = Client(app, base_url="http://testserver")
    signed_in.cookies.set("sid", sid)
    assert patron.email in signed_in.get("/account").text
    visitor = Client(app, base_url="http://testserver").get("/account")
    assert patron.email not in visitor.text and "x-cache" not in visitor.headers
