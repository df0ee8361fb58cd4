"""How a part of the portal calls what the parts above it bring, without importing them.

The core and web floors import no domain, and a domain imports none that builds on it; yet the
worker runs the domains' jobs, every page shows words and figures that domains own, and an
idea's votes move with it when it becomes a duplicate. Each such point is a `Hooks`, owned by
the part that calls it; the parts above register a function with it as they are imported.
portal/domains.py imports every domain, and the app, the worker and `portal check` import it,
so every hook is in place whichever way the portal started (tests/test_architecture.py checks
that none is left empty).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Hooks(Generic[P, R]):
    """The functions registered for one point, called in the order they were registered."""

    every: ClassVar[list[Hooks]] = []

    def __init__(self, point: str) -> None:
        self.point = point  # what happens when they are called, for whoever reads a failure
        self.functions: list[Callable[P, R]] = []
        Hooks.every.append(self)

    def register(self, function: Callable[P, R]) -> Callable[P, R]:
        """Add `function` (usable as a decorator)."""
        self.functions.append(function)
        return function

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Call every function with the same arguments; their results, in order."""
        return [function(*args, **kwargs) for function in self.functions]

    def __repr__(self) -> str:
        return f"Hooks({self.point!r}, {len(self.functions)} registered)"
