"""The user group on /account: one of the institution's groups or "prefer not to say", kept
on the account, in the person's data download, preselected by surveys that ask "about you",
and gone with the account."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from portal.accounts import privacy
from portal.accounts.models import User
from portal.core import db
from tests.conftest import login_as
from tests.surveys.helpers import open_round, survey


def _group(engine: Any, user_id: int) -> str | None:
    with db.read(engine) as s:
        user = s.get(User, user_id)
        return user.user_group if user else None


def _selected(html: str, name: str) -> str:
    block = re.search(rf'<select id="{name}".*?</select>', html, re.S)
    assert block, name
    chosen = re.search(r'<option value="([^"]*)" selected>', block.group(0))
    return chosen.group(1) if chosen else ""


def test_user_group_starts_as_prefer_not_to_say_and_is_offered_on_the_account_page(
    client, engine, patron
):
    login_as(client, patron)
    html = client.get("/account").text
    assert '<label for="user_group">' in html and 'action="/account/group"' in html
    assert "Distance learner" in html and "I would rather not say" in html
    assert _group(engine, patron.id) == "" and _selected(html, "user_group") == ""


def test_user_group_is_saved_and_shown_chosen(client, engine, patron):
    login_as(client, patron)
    response = client.post("/account/group", {"user_group": "postgraduate"})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert _group(engine, patron.id) == "postgraduate"
    assert _selected(client.get("/account").text, "user_group") == "postgraduate"
    client.post("/account/group", {"user_group": ""})
    assert _group(engine, patron.id) == ""


def test_an_unknown_user_group_is_named_beside_the_field_and_nothing_is_stored(
    client, engine, patron
):
    login_as(client, patron)
    client.post("/account/group", {"user_group": "staff"})
    for bad in ("wizard", "other", "Staff", " staff", "x" * 200):
        response = client.post("/account/group", {"user_group": bad})
        assert response.status_code == 400, bad
        assert 'id="user_group-error"' in response.text
        assert _group(engine, patron.id) == "staff"


def test_user_group_needs_a_signed_in_person_and_the_csrf_token(client, engine, patron):
    response = client.post("/account/group", {"user_group": "staff"})
    assert response.status_code in (302, 303, 401, 403)
    login_as(client, patron)
    response = client.post("/account/group", {"user_group": "staff"}, csrf=False)
    assert response.status_code == 403
    assert _group(engine, patron.id) == ""


def test_user_group_is_in_the_data_download(client, engine, patron):
    login_as(client, patron)
    client.post("/account/group", {"user_group": "distance"})
    data = json.loads(client.get("/account/export.json").content)
    assert data["profile"]["user_group"] == "distance"


def test_user_group_goes_with_the_account(engine, patron):
    with db.write(engine) as s:
        s.get(User, patron.id).user_group = "community"
    with db.write(engine) as s:
        privacy.delete_account(db=s, actor=patron, password_ok=True)
    with db.read(engine) as s:
        left = s.execute(select(User.user_group).where(User.email == patron.email)).all()
    assert left == []


def test_a_survey_that_asks_about_you_preselects_the_account_group(client, engine, patron, staff):
    found = survey(engine, staff)
    open_round(engine, staff, found.id)
    login_as(client, patron)
    assert _selected(client.get(f"/surveys/{found.id}").text, "group") == ""
    client.post("/account/group", {"user_group": "researcher"})
    assert _selected(client.get(f"/surveys/{found.id}").text, "group") == "researcher"
