"""Route modules build addresses from the routes' names (portal.web.urls.path_for), never by
hand: read from the source with `ast`, a string (or f-string) that starts with "/" is an
address written by hand, unless it is a route's own path or a docstring."""

from __future__ import annotations

import ast
from pathlib import Path

from portal.settings import PACKAGE_DIR

# The calls whose first argument is the path a route answers at: the one place it is written.
ROUTE_CALLS = {"Route", "Mount", "WebSocketRoute"}


def _route_modules() -> list[Path]:
    """Every module that defines routes (it imports starlette.routing)."""
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "starlette.routing":
                found.append(path)
                break
    return found


def _exempt(tree: ast.AST) -> set[int]:
    """The nodes that are not addresses built by hand: docstrings, routes' own paths, and the
    pieces of an f-string (the f-string itself is judged whole), and the characters that
    urlencode leaves as they are (`safe="/"`)."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                exempt.add(id(first.value))
        elif isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in ROUTE_CALLS:
                exempt.add(id(node.args[0]))
        elif isinstance(node, ast.JoinedStr):
            exempt.update(id(value) for value in node.values)
        if isinstance(node, ast.Call):
            exempt.update(id(k.value) for k in node.keywords if k.arg == "safe")
    return exempt


def _joined_path(node: ast.JoinedStr) -> str | None:
    """The path an f-string writes: its start, or what follows a site's base address in it
    (f"{base}/ideas/{id}", f"{settings.base_url}/login")."""
    values = node.values
    for i, value in enumerate(values):
        if not isinstance(value, ast.Constant) or not isinstance(value.value, str):
            continue
        before = values[i - 1] if i else None
        if before is None:
            return value.value
        if isinstance(before, ast.FormattedValue) and "base" in ast.unparse(before.value):
            return value.value
    return None


def hand_written(source: str) -> list[str]:
    """'line: text' of each string in `source` that starts with "/" and is not exempt."""
    tree = ast.parse(source)
    exempt = _exempt(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.JoinedStr):
            text = _joined_path(node)
        elif isinstance(node, ast.Constant):
            text = node.value
        else:
            continue
        if isinstance(text, str) and text.startswith("/"):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def test_addresses_route_modules_are_found():
    names = {p.relative_to(PACKAGE_DIR).as_posix() for p in _route_modules()}
    assert {"ideas/routes.py", "accounts/account_routes.py", "workshops/committee.py"} <= names
    assert "web/site.py" in names
    assert len(names) > 15


def test_addresses_route_modules_write_none_by_hand():
    found = {
        path.relative_to(PACKAGE_DIR).as_posix(): lines
        for path in _route_modules()
        if (lines := hand_written(path.read_text()))
    }
    assert found == {}


def test_addresses_scan_finds_what_it_must():
    source = '''
"""/ideas: a docstring is not an address."""
routes = [Route("/ideas/{id:int}", detail, name="detail")]


def detail(request):
    """/ideas/{id}: nor is this."""
    back = safe_next(field(form, "next"), "/ideas")
    return redirect(f"/ideas/{idea_id}#history", flash="x")


def fine(request):
    return redirect(path_for("ideas:detail", id=3), flash=f"{n}/2")


def link(base, settings):
    return [f"{base}/ideas/{id}", f"{settings.base_url}/login", base + path_for("home")]
'''
    assert hand_written(source) == [
        "8: '/ideas'",
        "9: f'/ideas/{idea_id}#history'",
        "17: f'{base}/ideas/{id}'",
        "17: f'{settings.base_url}/login'",
    ]


def test_addresses_scan_reads_route_paths_as_exempt_only_in_route_calls():
    assert hand_written('Route("/a", a)\nMount("/static", app=x)') == []
    assert hand_written('other("/a")') == ["1: '/a'"]
