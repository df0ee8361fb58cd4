"""The lock: a fresh install gets the versions the tests passed with. Every package the
portal or its tests ask for is pinned in requirements.lock, inside the range pyproject.toml
allows, and the suite is running on exactly the pinned versions."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.processes import ROOT


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, pinned = line.split("==")
            pins[canonicalize_name(name)] = pinned.strip()
    return pins


def _asked_for() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]
    ]


def test_every_dependency_is_pinned_inside_its_range():
    pins = _pins()
    for requirement in _asked_for():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock (make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name} {pins[name]}, outside {requirement.specifier}"
        )


def test_the_tests_run_on_the_pinned_versions():
    wrong = {}
    for name, pinned in _pins().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "missing"
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert wrong == {}, "installed versions differ from requirements.lock (make lock)"
