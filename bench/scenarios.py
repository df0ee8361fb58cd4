"""What the bench asks for: the visitors' addresses, the signed-in scenarios (each a rotation of
addresses sent with a rotation of signed-in people's cookies), and the people themselves."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote_plus

import httpx
from sqlalchemy import create_engine, text

# Common words and word pairs of the bulk dataset (portal/tools/bulk.py), in both languages.
SEARCHES = [
    "library",
    "quiet study",
    "room",
    "open hours",
    "printer",
    "wifi desk",
    "book loan",
    "children event",
    "online catalogue",
    "study",
    "图书馆",
    "自习室",
    "午夜",
    "开放时间",
    "打印机",
    "安静 座位",
    "学生 预约",
    "电子书",
]
PEOPLE = 200  # signed-in people the wrk scripts rotate through (each sign-in hashes: ~0.3 s)
SIGNED_IN_MARK = 'action="/logout"'  # the header's sign-out form: the page was rendered signed in


def _ids(url: str, sql: str) -> list[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)).scalars())
    finally:
        engine.dispose()


def visitor_paths(url: str) -> dict[str, str]:
    """One address per endpoint, as visitors get them (no cookies: kept pages)."""
    detail = _ids(url, "SELECT id FROM idea ORDER BY comment_count DESC, id LIMIT 1")
    return {
        "list_top": "/ideas?sort=top",
        "list_trending": "/ideas?sort=trending",
        "search": "/ideas?q=quiet+study",
        "list_page_50": "/ideas?sort=top&page=50",
        "detail": f"/ideas/{detail[0]}",
        "home": "/",
    }


def signed_in_paths(url: str) -> dict[str, list[str]]:
    """Each signed-in read scenario: the addresses it rotates through."""
    discussed = _ids(url, "SELECT id FROM idea ORDER BY comment_count DESC, id LIMIT 20")
    top = _ids(url, "SELECT id FROM idea ORDER BY vote_count DESC, id LIMIT 20")
    return {
        "signed_list_top": ["/ideas?sort=top"],
        "signed_list_trending": ["/ideas?sort=trending"],
        "signed_list_deep": ["/ideas?sort=top&page=50"],
        "signed_home": ["/"],
        "signed_detail_discussed": [f"/ideas/{i}" for i in discussed],
        "signed_detail_top": [f"/ideas/{i}" for i in top],
        "signed_search": [f"/ideas?q={quote_plus(words)}" for words in SEARCHES],
    }


def open_ideas(url: str) -> list[int]:
    return _ids(
        url,
        "SELECT id FROM idea WHERE status IN ('new','under_review','planned','piloting') "
        "ORDER BY id LIMIT 500",
    )


def _sign_in(base: str, email: str, idea: int) -> str:
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        r = client.post(
            "/login", data={"email": email, "password": "bulk password 123", "csrf_token": token}
        )
        assert r.status_code == 303, r.status_code
        page = client.get("/").text
        assert SIGNED_IN_MARK in page, "signing in did not take"
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        return f"{client.cookies['sid']} {client.cookies['csrftoken']} {token} {idea}"


def sign_in_people(base: str, url: str, path: Path, n: int = PEOPLE) -> Path:
    """Sign n bulk people in through the real form; write one line per person for the wrk
    scripts: "sid csrftoken token idea_id" (the open idea that person toggles a vote on).
    People signed in by an earlier run on the same database are kept while signed in."""
    if path.exists() and len(lines := path.read_text().splitlines()) >= n:
        path.write_text("\n".join(lines[:n]) + "\n")
        try:
            check_signed_in(base, path, ["/"])
            return path
        except AssertionError:
            pass
    emails = [
        str(e)
        for e in _ids(
            url,
            f"SELECT email FROM \"user\" WHERE email LIKE '%@bulk.example.org' ORDER BY id LIMIT {n}",
        )
    ]
    ideas = open_ideas(url)
    with ThreadPoolExecutor(8) as pool:
        written = pool.map(
            lambda pair: _sign_in(base, pair[1], ideas[pair[0] % len(ideas)]), enumerate(emails)
        )
        path.write_text("\n".join(written) + "\n")
    return path


def check_signed_in(base: str, people: Path, paths: list[str]) -> None:
    """The first person's cookie on each address gets a page rendered for them (a wrk run
    counts only statuses, so a lost session would measure the visitors' kept page)."""
    sid, cookie = people.read_text().split()[:2]
    with httpx.Client(base_url=base, timeout=60) as client:
        for path in paths:
            r = client.get(path, headers={"Cookie": f"sid={sid}; csrftoken={cookie}"})
            assert r.status_code == 200 and SIGNED_IN_MARK in r.text, (path, r.status_code)
            assert "no-store" in r.headers.get("cache-control", ""), path
