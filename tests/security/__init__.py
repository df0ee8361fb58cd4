"""Security tests that look across the whole app (the authorization matrix), and the
snapshot helpers they share to prove that a refused request wrote nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.core import db
from portal.models import metadata


def row_counts(engine: Any) -> dict[str, int]:
    """How many rows every table holds."""
    with db.read(engine) as s:
        return {
            table.name: s.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def fields(engine: Any, model: Any, row_id: int) -> dict[str, Any] | None:
    """Every column of one row, as stored (None when the row is gone)."""
    with db.read(engine) as s:
        row = s.get(model, row_id)
        return None if row is None else row.model_dump()
