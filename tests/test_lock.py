"""The lock: a fresh install gets the versions the tests passed with. Every package the
portal asks for is pinned, with hashes, in requirements/run.txt (a SQLite site) and, with every
extra and the test tools, in requirements/test.txt, inside the ranges pyproject.toml allows;
the suite runs on exactly the pinned versions; the optional extras stay optional."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.processes import ROOT


def _pins(lock: str) -> dict[str, str]:
    """name -> version of a hashed lock file; every pin carries its hashes."""
    pins = {}
    lines = (ROOT / "requirements" / lock).read_text().splitlines()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if "==" in line and not line.startswith((" ", "#")):
            name, pinned = line.split(" ")[0].split("==")
            assert following.strip().startswith("--hash=sha256:"), f"{name} has no hash"
            pins[canonicalize_name(name)] = pinned
    return pins


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _check(requirements: list[str], pins: dict[str, str], lock: str) -> None:
    for requirement in map(Requirement, requirements):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements/{lock} (make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock} pins {name} {pins[name]}, outside {requirement.specifier}"
        )


def test_every_dependency_is_pinned_inside_its_range():
    project = _project()
    _check(project["dependencies"], _pins("run.txt"), "run.txt")
    everything = [r for extra in project["optional-dependencies"].values() for r in extra]
    _check(project["dependencies"] + everything, _pins("test.txt"), "test.txt")
    server = [
        *project["optional-dependencies"]["postgresql"],
        *project["optional-dependencies"]["redis"],
    ]
    _check(project["dependencies"] + server, _pins("server.txt"), "server.txt")
    for lock in ("run.txt", "server.txt", "test.txt"):  # the build is pinned too
        assert {"hatchling", "editables"} <= _pins(lock).keys()


def test_a_sqlite_site_installs_no_optional_extra():
    run = _pins("run.txt")
    for extra in ("postgresql", "redis"):
        for requirement in map(Requirement, _project()["optional-dependencies"][extra]):
            assert canonicalize_name(requirement.name) not in run


def test_the_tests_run_on_the_pinned_versions():
    wrong = {}
    for name, pinned in _pins("test.txt").items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "missing"
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert wrong == {}, f"installed versions differ from requirements/test.txt: {wrong}"


def test_a_sqlite_site_loads_neither_the_postgresql_driver_nor_redis():
    """They are optional extras: a library on SQLite does not install them."""
    probe = (
        "import sys\n"
        "from portal.app import create_app\n"
        "from portal.settings import Settings\n"
        "app = create_app(Settings(database_url='sqlite:///:memory:', secret_key='x'))\n"
        "print(sorted(m for m in ('psycopg', 'redis') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]", done.stderr
