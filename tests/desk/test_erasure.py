"""Erasing a desk contact on request: staff find the records by the contact, exactly, and
erase it from every one; the idea or comment stays, as by someone without an account; the
audit log says so without the contact; patrons and the committee get 403 and nothing changes;
no export or public page ever shows a desk contact."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.core import db
from portal.desk.models import DeskRecord
from portal.moderation.models import AuditEntry
from tests import factories as f
from tests.conftest import login_as, make_user

DESK = "/staff/feedback"
FIND = "/staff/feedback/contact"
ERASE = "/staff/feedback/contact/erase"
CONTACT = "mei.lin@example.net"


@pytest.fixture
def idea(engine, other_patron, category):
    return f.idea(engine, other_patron, category, title="Board games")


def _record(client, idea, contact=CONTACT, comment="Yes please", name="Mei Lin"):
    response = client.post(
        DESK,
        {
            "source": "phone",
            "kind": "comment",
            "idea": str(idea.id),
            "comment": comment,
            "contact_name": name,
            "contact": contact,
            "consent": "1",
        },
    )
    assert response.status_code == 303


def _contacts(engine) -> list[tuple[str, str]]:
    with db.read(engine) as s:
        rows = s.execute(select(DeskRecord).order_by(DeskRecord.id)).scalars()
        return [(r.contact_name, r.contact) for r in rows]


def test_desk_contact_is_found_exactly_and_erased_from_every_record(client, engine, staff, idea):
    login_as(client, staff)
    _record(client, idea, comment="First")
    _record(client, idea, comment="Second")
    _record(client, idea, contact="mei.lin@example.net.au", name="Other Mei", comment="Third")
    found = client.post(FIND, {"contact": f"  {CONTACT} "})
    assert found.status_code == 200
    assert found.text.count('class="desk-match"') == 2 and "Other Mei" not in found.text
    response = client.post(ERASE, {"contact": CONTACT})
    assert response.status_code == 303 and response.headers["location"] == DESK
    desk = client.get(DESK).text
    assert "The contact is erased" in desk and f"({CONTACT})" not in desk
    assert "Mei Lin" not in desk
    assert _contacts(engine) == [("", ""), ("", ""), ("Other Mei", "mei.lin@example.net.au")]
    page = client.get(f"/ideas/{idea.id}").text
    assert "First" in page and "Second" in page and "Someone without an account" in page
    with db.read(engine) as s:
        entries = s.execute(
            select(AuditEntry).where(AuditEntry.action == "desk_contact_erased")
        ).scalars()
        logged = [(e.target_type, e.before + e.after) for e in entries]
    assert len(logged) == 2 and all(t == "desk_record" for t, _ in logged)
    assert all(CONTACT not in text and "Mei Lin" not in text for _, text in logged)


def test_desk_contact_unknown_is_named_beside_the_field_and_kept(client, engine, staff, idea):
    login_as(client, staff)
    _record(client, idea)
    for path in (FIND, ERASE):
        response = client.post(path, {"contact": "MEI.LIN@example.net"})
        assert response.status_code == 400
        assert 'id="contact-error"' in response.text
        assert "No desk record holds this contact" in response.text
        assert 'value="MEI.LIN@example.net"' in response.text
    # No pattern matches: only the exact text erases anything.
    for guess in ("%", "mei.lin@%", "*", "mei.lin@example.ne_", "x" * 300):
        assert client.post(ERASE, {"contact": guess}).status_code == 400
    empty = client.post(ERASE, {"contact": "  "})
    assert empty.status_code == 400 and 'id="contact-error"' in empty.text
    assert _contacts(engine) == [("Mei Lin", CONTACT)]


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_desk_contact_erasure_is_refused_to_patrons_and_the_committee(
    client, engine, staff, idea, role
):
    login_as(client, staff)
    _record(client, idea)
    client.get("/logout")
    login_as(client, make_user(engine, role))
    assert client.get(FIND).status_code == 403
    assert client.post(FIND, {"contact": CONTACT}).status_code == 403
    assert client.post(ERASE, {"contact": CONTACT}).status_code == 403
    assert _contacts(engine) == [("Mei Lin", CONTACT)]


def test_desk_contact_erasure_needs_the_csrf_token(client, engine, staff, idea):
    login_as(client, staff)
    _record(client, idea)
    assert client.post(ERASE, {"contact": CONTACT}, csrf=False).status_code == 403
    assert _contacts(engine) == [("Mei Lin", CONTACT)]


def test_desk_contact_is_never_in_an_export_or_a_public_page(client, engine, staff, idea):
    login_as(client, staff)
    _record(client, idea)
    client.get("/logout")
    # Someone who later opens an account with the very address they gave at the desk.
    person = make_user(engine, email=CONTACT)
    for path in (f"/ideas/{idea.id}", f"/api/v1/ideas/{idea.id}", "/api/v1/ideas", "/ideas"):
        text = client.get(path).text
        assert CONTACT not in text and "Mei Lin" not in text, path
    login_as(client, person)
    exported = client.get("/account/export.json")
    assert exported.status_code == 200
    assert "Mei Lin" not in exported.text and "desk" not in json.loads(exported.text)
    assert "Mei Lin" not in client.get(f"/ideas/{idea.id}").text
