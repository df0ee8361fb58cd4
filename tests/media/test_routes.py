"""Attaching pictures and PDFs through the form, and the files as browsers get them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlmodel import col

from portal.core import db
from portal.media.models import Attachment
from portal.moderation import services as moderation
from tests import factories as f
from tests.conftest import login_as
from tests.media.helpers import PDF, bomb, jpeg_with_location, media_files, picture
from tests.test_query_counts import statements
from tests.workshops.factories import schedule


def _attach(client: Any, kind: str, owner_id: int, name: str, data: bytes, alt: str = "") -> Any:
    return client.post(
        f"/attach/{kind}/{owner_id}", {"alt": alt}, files={"file": (name, data, "image/png")}
    )


def _rows(engine: Any, *where: Any) -> list[Attachment]:
    with db.read(engine) as s:
        stmt = select(Attachment).where(*where).order_by(col(Attachment.id))
        return list(s.execute(stmt).scalars())


def _media(settings: Any) -> Path:
    return Path(settings.media_dir)


def test_attach_picture_to_own_idea_shows_it_with_alt_text(
    client, patron, category, engine, settings
):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    assert client.get(f"/attach/idea/{idea.id}").status_code == 200
    response = _attach(client, "idea", idea.id, "floor.png", picture(), "A floor plan")
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea.id}"
    page = client.get(f"/ideas/{idea.id}").text
    assert 'alt="A floor plan"' in page
    (row,) = _rows(engine)
    assert (row.kind, row.width, row.height) == ("image", 60, 40)
    assert f"/media/{row.thumb}" in page and f"/media/{row.name}" in page
    assert {p.name for p in media_files(_media(settings))} == {row.name, row.thumb}
    served = client.get(f"/media/{row.name}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"


def test_attach_picture_strips_location_and_shrinks_to_4000_px(
    client, staff, patron, category, engine, settings
):
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    assert (
        _attach(client, "idea", idea.id, "a.jpg", jpeg_with_location(), "Photo").status_code == 303
    )
    wide = picture("PNG", size=(4100, 20))
    assert _attach(client, "idea", idea.id, "wide.png", wide, "A wide strip").status_code == 303
    photo, strip = _rows(engine)
    with Image.open(_media(settings) / photo.name) as kept:
        assert kept.format == "JPEG"
        assert not kept.getexif()
        assert "exif" not in kept.info
    with Image.open(_media(settings) / strip.name) as kept:
        assert max(kept.size) == 4000
    with Image.open(_media(settings) / strip.thumb) as thumb:
        assert thumb.format == "WEBP" and max(thumb.size) == 480


def test_files_are_served_for_a_year_to_anyone_while_their_idea_is_shown(
    client, patron, staff, category, engine
):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    _attach(client, "idea", idea.id, "a.png", picture(), "A picture")
    (row,) = _rows(engine)
    client.cookies.clear()
    served = client.get(f"/media/{row.name}")
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "x-cache" not in client.get(f"/media/{row.name}").headers  # not kept in memory
    with db.write(engine) as s:
        moderation.hide(db=s, actor=staff, target_type="idea", target_id=idea.id, reason="spam")
    assert client.get(f"/media/{row.name}").status_code == 404
    assert client.get(f"/media/{row.thumb}").status_code == 404
    login_as(client, staff)
    assert client.get(f"/media/{row.name}").headers["cache-control"] == "private, no-store"


def test_files_of_a_deleted_comment_are_gone(client, patron, category, engine):
    idea = f.idea(engine, patron, category)
    comment = f.comment(engine, patron, idea.id)
    login_as(client, patron)
    assert _attach(client, "comment", comment.id, "a.png", picture(), "Sketch").status_code == 303
    (row,) = _rows(engine)
    assert f"/media/{row.thumb}" in client.get(f"/ideas/{idea.id}").text
    assert client.post(f"/comments/{comment.id}/delete").status_code == 303
    assert client.get(f"/media/{row.name}").status_code == 404


def test_pdf_is_only_ever_downloaded(client, staff, engine, patron, category):
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    response = client.post(
        f"/attach/idea/{idea.id}", {"alt": ""}, files={"file": ("Plan é.pdf", PDF, "text/html")}
    )
    assert response.status_code == 303
    (row,) = _rows(engine)
    page = client.get(f"/ideas/{idea.id}").text
    assert "Plan é.pdf" in page and "PDF, 1 KB" in page
    served = client.get(f"/media/{row.name}")
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["x-content-type-options"] == "nosniff"


BAD = {
    "text renamed": (
        "notes.png",
        b"just some words, not a picture\n" * 10,
        "file",
        "PNG, JPEG or WebP",
    ),
    "truncated": ("cut.png", picture(size=(300, 300))[:200], "file", "cut short"),
    "bomb": ("bomb.png", bomb(), "file", "too many pixels"),
    # Between once and twice Image.MAX_IMAGE_PIXELS Pillow only warns: refused all the same.
    "bomb under twice the limit": ("b.png", bomb(8000), "file", "too many pixels"),
    "empty": ("empty.png", b"", "file", "empty"),
    "svg": (
        "x.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "file",
        "SVG",
    ),
    "html": ("x.pdf", b"<html><script>alert(1)</script></html>", "file", "PNG, JPEG or WebP"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_attach_refuses_bad_file_beside_the_field_keeping_alt_text(
    case, client, patron, category, engine, settings
):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    name, data, field, words = BAD[case]
    response = _attach(client, "idea", idea.id, name, data, "Kept words")
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text and words in response.text
    assert 'value="Kept words"' in response.text
    assert f.count(engine, Attachment) == 0
    assert media_files(_media(settings)) == []


def test_attach_refuses_a_file_over_20_mb_keeping_alt_text(
    client, patron, category, engine, settings
):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    big = picture() + b"\x00" * (21 * 1024 * 1024)
    response = _attach(client, "idea", idea.id, "big.png", big, "Kept words")
    assert response.status_code == 400
    assert "larger than 20 MB" in response.text and 'value="Kept words"' in response.text
    assert f.count(engine, Attachment) == 0
    assert media_files(_media(settings)) == []


def test_attach_refuses_a_picture_without_alt_text(client, patron, category, engine, settings):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    response = _attach(client, "idea", idea.id, "a.png", picture(), "   ")
    assert response.status_code == 400
    assert 'id="alt-error"' in response.text
    assert f.count(engine, Attachment) == 0
    assert media_files(_media(settings)) == []


def test_attach_to_someone_elses_idea_or_a_decision_is_refused(
    client, patron, other_patron, category, engine
):
    idea = f.idea(engine, other_patron, category)
    login_as(client, patron)
    assert _attach(client, "idea", idea.id, "a.png", picture(), "x").status_code == 403
    assert client.get(f"/attach/idea/{idea.id}").status_code == 404
    assert _attach(client, "workshop", 1, "a.png", picture(), "x").status_code == 404
    assert _attach(client, "nothing", idea.id, "a.png", picture(), "x").status_code == 404
    assert f.count(engine, Attachment) == 0


def test_attach_needs_the_csrf_token_in_the_form(client, patron, category, engine):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    response = client.post(
        f"/attach/idea/{idea.id}",
        {"alt": "x"},
        csrf=False,
        files={"file": ("a.png", picture(), "image/png")},
    )
    assert response.status_code == 403
    assert f.count(engine, Attachment) == 0


def test_multipart_is_refused_outside_the_upload_addresses(client, patron, category, engine):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    response = client.post(
        f"/ideas/{idea.id}/comments",
        {"body": "Hello there"},
        files={"file": ("a.png", picture(), "image/png")},
    )
    assert response.status_code == 403


def test_attach_is_limited_per_person_per_day(client, patron, category, engine):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    for _ in range(20):
        assert _attach(client, "idea", idea.id, "a.png", picture(), "x").status_code == 303
    assert _attach(client, "idea", idea.id, "a.png", picture(), "x").status_code == 429


def test_deleting_an_account_deletes_its_files(client, patron, staff, category, engine, settings):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    _attach(client, "idea", idea.id, "a.png", picture(), "Mine")
    login_as(client, staff)
    _attach(client, "idea", idea.id, "b.png", picture(size=(10, 10)), "Staff's")
    (staffs,) = _rows(engine, col(Attachment.uploader_id) == staff.id)
    login_as(client, patron)
    response = client.post("/account/delete", {"password": "correct horse battery staple"})
    assert response.status_code == 303, response.text
    assert {p.name for p in media_files(_media(settings))} == {staffs.name, staffs.thumb}
    assert f.count(engine, Attachment) == 1


def test_idea_page_reads_its_files_without_a_query_per_file(client, patron, category, engine):
    idea = f.idea(engine, patron, category)
    comments = [f.comment(engine, patron, idea.id, body=f"Note {n}") for n in range(3)]
    login_as(client, patron)
    _attach(client, "idea", idea.id, "a.png", picture(size=(10, 10)), "P0")
    client.get(f"/ideas/{idea.id}")  # the first visit warms what is read once per process
    with statements(engine) as few:
        client.get(f"/ideas/{idea.id}")
    for n, comment in enumerate(comments):
        _attach(client, "idea", idea.id, "a.png", picture(size=(11 + n, 10)), f"P{n + 1}")
        _attach(client, "comment", comment.id, "c.png", picture(size=(20 + n, 9)), f"C{n}")
    client.get(f"/ideas/{idea.id}")  # the writes moved the data version: warm again
    with statements(engine) as many:
        page = client.get(f"/ideas/{idea.id}").text
    assert page.count('class="attachment attachment--image"') == 7
    assert len(many) == len(few)


def test_attach_to_own_comment_on_a_hidden_idea_is_refused(client, patron, staff, category, engine):
    idea = f.idea(engine, staff, category)
    comment = f.comment(engine, patron, idea.id)
    with db.write(engine) as s:
        moderation.hide(db=s, actor=staff, target_type="idea", target_id=idea.id, reason="spam")
    login_as(client, patron)
    assert _attach(client, "comment", comment.id, "a.png", picture(), "x").status_code == 403
    assert f.count(engine, Attachment) == 0


def test_committee_sessions_files_are_for_those_who_see_the_session(
    client, staff, committee, patron, engine
):
    session = schedule(engine, staff, audience="committee")
    login_as(client, patron)
    assert _attach(client, "workshop", session.id, "a.png", picture(), "x").status_code == 404
    login_as(client, staff)
    assert _attach(client, "workshop", session.id, "a.png", picture(), "Room").status_code == 303
    (row,) = _rows(engine)
    assert 'alt="Room"' in client.get(f"/sessions/{session.id}").text
    client.cookies.clear()
    assert client.get(f"/media/{row.name}").status_code == 404
    login_as(client, patron)
    assert client.get(f"/media/{row.name}").status_code == 404
    login_as(client, committee)
    served = client.get(f"/media/{row.name}")
    assert served.status_code == 200
    assert served.headers["cache-control"] == "private, no-store"


def test_upload_form_with_too_many_or_too_long_fields_is_refused(client, patron, category, engine):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    for fields in ({f"f{n}": "" for n in range(30)}, {"alt": "x" * 10_000}):
        response = client.post(
            f"/attach/idea/{idea.id}", fields, files={"file": ("a.png", picture(), "image/png")}
        )
        assert response.status_code == 403
    assert f.count(engine, Attachment) == 0


def test_upload_with_a_token_that_is_not_ascii_is_refused_not_a_crash(
    client, patron, category, engine
):
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    response = client.post(
        f"/attach/idea/{idea.id}",
        {"alt": "x", "csrf_token": "é" * 40},
        files={"file": ("a.png", picture(), "image/png")},
    )
    assert response.status_code == 403
    assert f.count(engine, Attachment) == 0
