"""The demo's question: closed, answered online and at the desk, with its result shown."""

from __future__ import annotations

import html

from sqlalchemy import select

from portal.choices.models import ChoiceQuestion
from portal.core import db
from portal.tools.demo import seed_demo


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
