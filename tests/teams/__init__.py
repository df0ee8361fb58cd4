"""Tests of teams, and the builder that the decisions and security tests share: a team made
through the real service by an admin."""

from __future__ import annotations

from typing import Any

from portal.core import db
from portal.teams import services
from portal.teams.models import Team


def team(engine: Any, admin: Any, name: str = "Public services", **fields: str) -> Team:
    """A team added by `admin`, with any of `name_zh` and `description`."""
    with db.write(engine) as s:
        return services.add(db=s, actor=admin, form={"name": name, **fields})
