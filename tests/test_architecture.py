"""The tree shows the house, and the imports keep to it (read from the source with `ast`, every
import counted, those inside functions too):

- no import cycle between portal's modules;
- portal.core imports no web module, no domain and nothing of HTTP (no starlette);
- portal.web imports no domain;
- nothing below the top imports the wiring (app, asgi, cli, models, domains), and only tools
  and the wiring import tools;
- an import inside a function is no way round these: only an entry point (the cli, which
  loads what a command runs) and an optional extra (Redis) import a portal module there;
- every module is reached from an entry point, and every hook that a lower part calls has a
  function registered once the app is built.

A domain is any package under portal/ other than core, web and tools.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal.settings import PACKAGE_DIR

WIRING = {"portal", "portal.app", "portal.asgi", "portal.cli", "portal.models", "portal.domains"}
SETTINGS = "portal.settings"
ENTRY_POINTS = {"portal.asgi", "portal.cli"}
# (importer, imported) allowed inside a function, and why.
LAZY = {
    ("portal.core.ratelimit.limits", "portal.core.ratelimit.redis_counter"): "Redis is an extra",
}
LAZY_IMPORTERS = {"portal.cli": "an entry point loads what each command runs"}
# Modules written ahead of the code that uses them, and who will: when that code imports them,
# the test below fails until they leave this list.
NOT_YET_REACHED: dict[str, str] = {}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _resolve(name: str, known: set[str]) -> str | None:
    """The portal module that `name` (a module, or a name inside one) is in."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.module, self.known, self.depth = module, known, 0
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[Import] = []

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _add(self, name: str, line: int) -> None:
        target = _resolve(name, self.known)
        if target is not None and target != self.module:
            self.found.append(Import(self.module, target, line, self.depth > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "portal":
                self._add(alias.name, node.lineno)
            else:
                self.found.append(Import(self.module, alias.name, node.lineno, self.depth > 0))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            up = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            base = ".".join([*up, base] if base else up)
        if base.split(".")[0] != "portal":
            self.found.append(Import(self.module, base, node.lineno, self.depth > 0))
            return
        for alias in node.names:
            full = f"{base}.{alias.name}"
            self._add(full if full in self.known else base, node.lineno)


def imports(found_modules: dict[str, Path]) -> list[Import]:
    """Every import in portal's modules, at whatever depth it is written."""
    known = set(found_modules)
    out: list[Import] = []
    for name, path in found_modules.items():
        visitor = _Imports(name, path.name == "__init__.py", known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        out += visitor.found
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer(module: str) -> str:
    """ "wiring", "settings", "core", "web", "tools", or "domain"."""
    if module == SETTINGS:
        return "settings"
    if module in WIRING:
        return "wiring"
    top = module.split(".")[1]
    return top if top in ("core", "web", "tools") else "domain"


# What each layer may import from portal, besides itself.
MAY_IMPORT = {
    "core": {"settings", "package"},
    "web": {"core", "settings", "package"},
    "domain": {"web", "core", "settings", "package"},
    "tools": {"domain", "web", "core", "settings", "package"},
}


def layer_problems(found: list[Import]) -> list[str]:
    problems = []
    for imp in found:
        if not imp.imported.startswith("portal"):
            if layer(imp.importer) == "core" and imp.imported.split(".")[0] == "starlette":
                problems.append(f"{imp.importer}:{imp.line} imports {imp.imported} (HTTP)")
            continue
        source, target = layer(imp.importer), layer(imp.imported)
        if source in ("wiring", "settings") or source == target:
            continue
        target = "package" if imp.imported == "portal" else target
        if target not in MAY_IMPORT[source]:
            problems.append(f"{imp.importer}:{imp.line} ({source}) imports {imp.imported}")
    return problems


def lazy_problems(found: list[Import]) -> list[str]:
    return [
        f"{imp.importer}:{imp.line} imports {imp.imported} inside a function"
        for imp in found
        if imp.in_function
        and imp.imported.startswith("portal")
        and imp.importer not in LAZY_IMPORTERS
        and (imp.importer, imp.imported) not in LAZY
    ]


def graph_of(found: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for imp in found:
        if imp.imported.startswith("portal"):
            graph.setdefault(imp.importer, set()).add(imp.imported)
    return graph


def reached(graph: dict[str, set[str]], start: set[str]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.fixture(scope="module")
def found() -> list[Import]:
    return imports(modules())


def test_architecture_has_no_import_cycle(found):
    assert cycles(graph_of(found)) == []


def test_architecture_keeps_each_layer_to_what_is_below_it(found):
    assert layer_problems(found) == []


def test_architecture_hides_no_import_inside_a_function(found):
    assert lazy_problems(found) == []


def test_architecture_ideas_and_votes_services_do_not_import_each_other(found):
    pairs = {(i.importer, i.imported) for i in found}
    assert ("portal.ideas.services", "portal.votes.services") not in pairs
    assert ("portal.votes.services", "portal.ideas.services") in pairs  # votes build on ideas


def test_architecture_reaches_every_module_from_an_entry_point(found):
    # Packages' __init__ files come in with their modules.
    every = {name for name, path in modules().items() if path.name != "__init__.py"}
    assert sorted(every - reached(graph_of(found), ENTRY_POINTS)) == sorted(NOT_YET_REACHED)


def test_architecture_leaves_no_hook_without_a_function():
    from portal.app import create_app
    from portal.core.hooks import Hooks

    assert create_app is not None  # the app imports every domain and every route
    assert [h for h in Hooks.every if not h.functions] == []


# The checks above are only worth something if they can fail: each on a small made-up tree.


def _imp(importer: str, imported: str, in_function: bool = False) -> Import:
    return Import(importer, imported, 1, in_function)


def test_architecture_finds_a_cycle_when_there_is_one():
    loop = [_imp("portal.a.x", "portal.b.y"), _imp("portal.b.y", "portal.a.x", in_function=True)]
    assert cycles(graph_of(loop)) == [["portal.a.x", "portal.b.y"]]
    assert cycles(graph_of(loop[:1])) == []


def test_architecture_refuses_imports_that_run_up():
    wrong = [
        _imp("portal.core.db", "portal.web.requests"),
        _imp("portal.core.db", "portal.ideas.models"),
        _imp("portal.core.errors", "starlette.exceptions"),
        _imp("portal.web.templating", "portal.ideas.names"),
        _imp("portal.ideas.services", "portal.domains"),
        _imp("portal.ideas.services", "portal.tools.demo"),
    ]
    assert len(layer_problems(wrong)) == len(wrong)
    right = [
        _imp("portal.web.templating", "portal.core.i18n"),
        _imp("portal.ideas.services", "portal.web.requests"),
        _imp("portal.tools.demo", "portal.ideas.services"),
        _imp("portal.app", "portal.ideas.routes"),
        _imp("portal.core.errorreports", "portal"),
    ]
    assert layer_problems(right) == []


def test_architecture_refuses_an_import_hidden_in_a_function():
    assert lazy_problems([_imp("portal.ideas.services", "portal.votes.services", True)])
    assert not lazy_problems([_imp("portal.cli", "portal.tools.demo", True)])
