"""The demo's question: closed, answered online and at the desk, with its result shown."""

from __future__ import annotations

import html
import os

from sqlalchemy import select
from sqlmodel import col

from portal.choices.models import ChoiceQuestion
from portal.core import db
from portal.media.models import Attachment
from portal.tools.demo import seed_demo
from tests.processes import portal_run


def test_demo_has_the_group_study_floor_question_closed_with_its_result(engine, client):
    seed_demo(engine, password="demo password 123")
    with db.read(engine) as s:
        (question,) = s.execute(select(ChoiceQuestion)).scalars()
    assert question.text == "Which layout for the group-study floor?" and question.kind == "rank"
    page = html.unescape(client.get(f"/choices/{question.id}").text)
    assert "25 answers online · 4 from the desk" in page
    assert "Round 1: no option has more than half, so Booths with a screen is out." in page
    assert "Instant-runoff winner: Group tables for six" in page
    # Asked at the group-study floor workshop, whose outputs show it.
    assert f"/choices/{question.id}" in client.get(f"/sessions/{question.workshop_id}").text


def test_demo_question_shows_a_floor_plan_for_each_layout(engine, client):
    seed_demo(engine, password="demo password 123")
    with db.read(engine) as s:
        (question,) = s.execute(select(ChoiceQuestion)).scalars()
        pictures = list(
            s.execute(
                select(Attachment)
                .where(col(Attachment.owner_kind) == "choice_option")
                .order_by(col(Attachment.id))
            ).scalars()
        )
    assert len(pictures) == 3
    assert {p.owner_kind for p in pictures} == {"choice_option"} and len(
        {p.name for p in pictures}
    ) == 3
    assert all(p.kind == "image" and p.alt.startswith("A floor plan with") for p in pictures)
    page = html.unescape(client.get(f"/choices/{question.id}").text)
    for p in pictures:
        assert f'alt="{p.alt}"' in page
        assert client.get(f"/media/{p.name}").status_code == 200


def test_the_seed_demo_command_keeps_the_floor_plans_under_media_dir(
    engine, database_url, tmp_path
):
    media = tmp_path / "kept-media"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "a test secret key that is long enough to be used",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_DIR": str(media),
    }
    done = portal_run("seed-demo", "--password", "demo password 123", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    with db.read(engine) as s:
        kept = list(s.execute(select(Attachment)).scalars())
        names = {n for a in kept for n in (a.name, a.thumb)}
    # The three floor plans and the workshop's whiteboard, each with its thumbnail.
    assert len(kept) == 4 and len(names) == 8
    assert {p.name for p in media.iterdir()} == names
