"""Tests of triage, and the builders they share: criteria and assignments made through the
real services."""

from __future__ import annotations

from typing import Any

from portal.core import db
from portal.triage import services
from portal.triage.models import Criterion


def criterion(engine: Any, admin: Any, name: str, weight: int, name_zh: str = "") -> Criterion:
    """A scoring criterion added by `admin`."""
    with db.write(engine) as s:
        return services.add_criterion(
            db=s, actor=admin, form={"name": name, "name_zh": name_zh, "weight": str(weight)}
        )
