"""The demo's question: "Which layout for the group-study floor?", three layouts to rank,
answered by the demo's readers and at the desk, then closed, so its page shows a finished
result (Borda points and an instant runoff of two rounds). Each layout has its floor plan
(portal.tools.demo_floorplans), attached as media does for staff."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from portal.accounts.models import User
from portal.choices import queries as choices_q
from portal.choices import services as choices
from portal.core.clock import utcnow
from portal.media import services as media
from portal.tools import demo_floorplans

LAYOUTS = (
    ("Quiet rows of single desks", "安静的单人书桌排"),
    ("Group tables for six", "六人小组桌"),
    ("Booths with a screen", "带屏幕的卡座"),
)
# Each layout's floor plan and the words that describe it to people who cannot see it.
PLANS = (
    ("quiet", "A floor plan with four rows of eight single desks facing the windows"),
    ("tables", "A floor plan with six group tables, each with six chairs, in two rows"),
    ("booths", "A floor plan with ten enclosed booths, each with a table and a screen"),
)
# Places given to the three layouts (None: left unranked), one ranking per reader: quiet rows
# lead on first choices, booths go out first and their readers mostly prefer group tables.
RANKINGS = (
    [(1, 2, 3)] * 8
    + [(1, 3, 2)] * 2
    + [(2, 1, 3)] * 5
    + [(3, 1, 2)] * 3
    + [(3, 2, 1)] * 5
    + [(2, 3, 1)] * 1
    + [(None, None, 1)] * 1
)


def seed(
    s: Session, staff: User, readers: list[User], idea_id: int, workshop_id: int | None = None
) -> int:
    """Ask the question on `idea_id` (or on the session `workshop_id` where it was asked),
    have `readers` answer it, record slips from the desk and close it. Returns its id."""
    today = utcnow().date()
    form = {
        "text": "Which layout for the group-study floor?",
        "text_zh": "小组学习楼层用哪种布局?",
        "kind": "rank",
        "opens": (today - timedelta(days=14)).isoformat(),
        "closes": today.isoformat(),
    }
    for n, (en, zh) in enumerate(LAYOUTS, start=1):
        form |= {f"option_{n}": en, f"option_{n}_zh": zh}
    on = {"workshop_id": workshop_id} if workshop_id else {"idea_id": idea_id}
    question = choices.ask(db=s, actor=staff, form=form, **on)
    ids = [o.id for o in choices_q.options_of(s, [question.id])[question.id]]
    _pictures(s, staff, ids)

    def places(ranking: tuple[int | None, ...]) -> dict[str, str]:
        return {f"rank-{o}": "" if p is None else str(p) for o, p in zip(ids, ranking, strict=True)}

    for person, ranking in zip(readers, RANKINGS, strict=False):
        choices.answer(db=s, actor=person, question_id=question.id, form=places(ranking))
    slips = places((2, 1, 3)) | {"count": "4"}
    choices.record_desk(db=s, actor=staff, question_id=question.id, form=slips)
    choices.close(db=s, actor=staff, question_id=question.id)
    return question.id


def _pictures(s: Session, staff: User, option_ids: list[int]) -> None:
    """Attach each layout's floor plan to its option, through the media domain's service."""
    with tempfile.TemporaryDirectory() as folder:
        for option_id, (plan, alt), (title, _zh) in zip(option_ids, PLANS, LAYOUTS, strict=True):
            upload = Path(folder) / f"{plan}.png"
            upload.write_bytes(demo_floorplans.draw(plan, title))
            media.attach(
                db=s,
                actor=staff,
                kind="choice_option",
                owner_id=option_id,
                upload=upload,
                filename=upload.name,
                alt=alt,
            )
