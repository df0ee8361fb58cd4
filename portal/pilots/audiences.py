"""A pilot's cohort as an audience of survey rounds: kind "pilot" in the surveys' registry,
so that a round (the worker's baseline and follow-up, or one staff schedule) asks it."""

from __future__ import annotations

from sqlalchemy import Select
from sqlmodel import Session

from portal.core.i18n import _
from portal.pilots import queries
from portal.surveys.audiences import SOURCES, Source


def _cohort(db: Session, ids: list[int]) -> list[Select]:
    return [queries.cohort_select(ids)]


SOURCES["pilot"] = Source(lambda: _("Pilots"), queries.existing, _cohort)
