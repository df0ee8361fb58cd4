"""English and Simplified Chinese: the Chinese catalog is complete against the source as it is
now, its translations keep their placeholders, and people get their language from
Accept-Language or the switcher, with dates in that language.

The completeness check extracts messages the way `make messages` does (babel.cfg, the same
keywords, the `portal` and `templates` directories), so a string added anywhere without a
translation fails here by name. To fix it: `make messages`, then translate the new entries in
portal/locales/zh_Hans/LC_MESSAGES/messages.po (and remove any `fuzzy` flag once checked).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from portal.core import db, i18n
from portal.ideas import services as ideas

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("portal", "templates")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
ZH = "zh_Hans"
PO = ROOT / "portal" / "locales" / ZH / "LC_MESSAGES" / "messages.po"

# printf conversions, as Python's % operator reads them: %(name)s, %s, %d, %%, ...
GETTEXT_CALL = re.compile(r"(?<![\w.])(?:_|gettext|ngettext)\(\s*[\"']")
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def extract() -> tuple[dict[str, tuple[str, ...]], set[Path]]:
    """Every message in the source, {msgid: (msgid,) or (singular, plural)}, and the files
    that babel.cfg sent to an extractor."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    found: dict[str, tuple[str, ...]] = {}
    visited: set[Path] = set()
    for directory in SOURCE_DIRS:
        base = ROOT / directory

        def seen(filename: str, method: str, options: dict, base: Path = base) -> None:
            visited.add(base / filename)

        for _file, _line, message, _comments, _context in extract_from_dir(
            str(base), method_map, options_map, keywords=KEYWORDS, callback=seen
        ):
            parts = tuple(p or "" for p in (message if isinstance(message, tuple) else (message,)))
            if parts[0] and len(parts) >= len(found.get(parts[0], ())):
                found[parts[0]] = parts
    return found, visited


def source_messages() -> dict[str, tuple[str, ...]]:
    return extract()[0]


def zh_catalog() -> Catalog:
    with PO.open("rb") as fh:
        return read_po(fh, locale=ZH)


def zh(message: str) -> str:
    """`message` as the running app translates it into Chinese."""
    return i18n.translations(ZH).gettext(message)


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def ids_and_strings(entry: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An entry's msgid(s) and translation(s) as tuples of text, plural or not."""
    ids = entry.id if isinstance(entry.id, tuple | list) else (entry.id,)
    strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
    return tuple(str(i) for i in ids), tuple(str(s or "") for s in strings)


# --- The catalog -------------------------------------------------------------------------------


def test_extraction_finds_python_and_template_messages() -> None:
    """Guards the mapping itself: a wrong babel.cfg section matches no file and finds nothing."""
    found = source_messages()
    assert "Under review" in found, "nothing extracted from portal/**.py"
    assert "Skip to main content" in found, "nothing extracted from templates/**.html"
    assert found["%(num)s comment"] == ("%(num)s comment", "%(num)s comments")


def test_babel_cfg_covers_every_file_that_marks_strings() -> None:
    """A file that calls _() / gettext / ngettext but that no babel.cfg pattern matches (say a
    new kind of template) would have its strings silently left out of the catalog."""
    _found, visited = extract()
    marked = set()
    for directory in SOURCE_DIRS:
        for path in (ROOT / directory).rglob("*"):
            if not path.is_file() or any(
                part.startswith((".", "_")) for part in path.relative_to(ROOT).parts[:-1]
            ):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if GETTEXT_CALL.search(text):
                marked.add(path)
    missed = sorted(str(p.relative_to(ROOT)) for p in marked - visited)
    assert not missed, f"babel.cfg has no pattern for these files: {missed}"


def test_catalog_header_is_simplified_chinese_with_one_plural_form() -> None:
    catalog = zh_catalog()
    assert str(catalog.locale) == ZH
    assert catalog.num_plurals == 1
    assert catalog.plural_expr == "0"
    assert not catalog.fuzzy


def test_every_source_message_has_a_chinese_translation() -> None:
    catalog = zh_catalog()
    problems = []
    for msgid, parts in sorted(source_messages().items()):
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
            continue
        ids, strings = ids_and_strings(entry)
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not all(s.strip() for s in strings):
            problems.append(f"untranslated: {msgid!r}")
        elif len(parts) == 2 and len(ids) != 2:
            problems.append(f"used with ngettext but not plural in the catalog: {msgid!r}")
        elif len(parts) == 2 and ids[1] != parts[1]:
            problems.append(f"plural differs from the source: {msgid!r}")
    assert not problems, (
        f"{len(problems)} message(s) need work in {PO.relative_to(ROOT)} "
        "(run `make messages`, then translate):\n" + "\n".join(problems)
    )


def test_translations_keep_the_placeholders_of_their_msgid() -> None:
    """%(name)s and the like must survive translation exactly: a missing or renamed one
    breaks the page (KeyError) or loses the value. The one Chinese plural form serves every
    number, so it must carry the placeholders of the plural msgid."""
    problems = []
    for entry in zh_catalog():
        if not entry.id:
            continue
        ids, strings = ids_and_strings(entry)
        expected = placeholders(ids[-1])
        for text in strings:
            if text and placeholders(text) != expected:
                problems.append(
                    f"{entry.id!r}: expected {sorted(expected.elements())}, "
                    f"got {sorted(placeholders(text).elements())} in {text!r}"
                )
    assert not problems, "\n".join(problems)


def test_running_app_uses_the_chinese_catalog() -> None:
    assert zh("Ideas") != "Ideas"
    assert zh("You are signed in.") != "You are signed in."
    token = i18n.set_locale(ZH)
    try:
        assert i18n.ngettext("%(num)s vote", "%(num)s votes", 3) == zh("%(num)s vote") % {"num": 3}
        assert "3" in i18n.ngettext("%(num)s vote", "%(num)s votes", 3)
        assert "120" in i18n.gettext("Use at most %(n)s characters for the title.", n=120)
    finally:
        i18n._current.reset(token)
    assert i18n.gettext("Ideas") == "Ideas"


# --- Choosing the language ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_language", "cookie", "expected"),
    [
        ("", None, "en"),
        ("zh-CN", None, ZH),
        ("zh-CN,zh;q=0.9,en;q=0.8", None, ZH),
        ("zh", None, ZH),
        ("zh-Hans-CN", None, ZH),
        ("en-GB,en;q=0.9,zh-CN;q=0.5", None, "en"),
        ("fr-FR,zh-CN;q=0.5", None, ZH),
        ("zh-TW", None, "en"),
        ("zh-Hant-HK,zh-CN;q=0.5", None, ZH),
        ("zh-CN", "en", "en"),
        ("", ZH, ZH),
        ("zh-CN", "klingon", ZH),
    ],
)
def test_negotiate(accept_language: str, cookie: str | None, expected: str) -> None:
    assert i18n.negotiate(accept_language, cookie) == expected


def test_english_by_default(client) -> None:
    page = client.get("/ideas")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert "<h1>Ideas</h1>" in page.text


def test_accept_language_zh_cn_gets_chinese(client) -> None:
    page = client.get("/ideas", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert page.status_code == 200
    assert '<html lang="zh-Hans">' in page.text
    assert f"<h1>{zh('Ideas')}</h1>" in page.text
    assert zh("Skip to main content") in page.text
    assert "Accept-Language" in page.headers["vary"]


def test_traditional_chinese_is_not_served_simplified(client) -> None:
    page = client.get("/ideas", headers={"Accept-Language": "zh-TW"})
    assert '<html lang="en">' in page.text


def test_language_switcher_sets_a_cookie_and_pages_follow_it(client) -> None:
    response = client.post("/language", {"lang": ZH, "next": "/ideas?sort=new"})
    assert response.status_code == 303
    assert response.headers["location"] == "/ideas?sort=new"
    assert client.cookies.get("lang") == ZH
    page = client.get("/ideas?sort=new")
    assert '<html lang="zh-Hans">' in page.text
    assert f"<h1>{zh('Ideas')}</h1>" in page.text
    assert zh("Newest") in page.text

    # The switcher's choice wins over the browser's.
    client.post("/language", {"lang": "en", "next": "/ideas"})
    page = client.get("/ideas", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.text
    assert "<h1>Ideas</h1>" in page.text


def test_language_switcher_ignores_unknown_languages(client) -> None:
    response = client.post("/language", {"lang": "xx", "next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert "lang" not in client.cookies


def test_switcher_needs_the_csrf_token(client) -> None:
    response = client.post("/language", {"lang": ZH}, csrf=False)
    assert response.status_code == 403
    assert "lang" not in client.cookies


def test_idea_page_dates_are_in_the_readers_language(client, engine, patron, category) -> None:
    with db.write(engine) as s:
        idea = ideas.propose(
            db=s, actor=patron, title="Quiet study room", body="Please.", category_id=category.id
        )
        idea.created_at = datetime(2025, 3, 7, 12, 0, tzinfo=UTC)
        s.add(idea)
        idea_id = idea.id

    english = client.get(f"/ideas/{idea_id}")
    assert english.status_code == 200
    assert ">Mar 7, 2025</time>" in english.text

    chinese = client.get(f"/ideas/{idea_id}", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 200
    assert ">2025年3月7日</time>" in chinese.text
    assert "Mar 7, 2025" not in chinese.text
    assert zh("What happened") in chinese.text
    assert zh("New") in chinese.text  # the status badge
