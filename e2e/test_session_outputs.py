"""Staff publish what a session produced, with a whiteboard picture described for people who
cannot see it; a participant is told by email, follows the link, and comments on the outputs;
an empty comment is first named beside the field. Another participant, with JavaScript off,
has a too long comment named and kept, then posts one. The session page, and the refused
form, pass axe in English and Chinese at 360 px.

The scene (a session two days ago with two confirmed places) is set in the database, as no
page can schedule a session in the past. Every wait has its own bound, and the journey never
waits for the network to go quiet. axe runs only in contexts with JavaScript on: in a page
with JavaScript off, Playwright's evaluate (axe's way in) waits without end, and that is
what made an earlier version of this journey hang."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.workshops.models import Registration, Workshop

WAIT = 15_000  # ms, for every expectation and action
ALT = "Whiteboard with three catalogue search layouts, the second one circled"


def _whiteboard() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), (245, 245, 240)).save(out, "PNG")
    return out.getvalue()


def _held_session(database_url: str, title: str, emails: list[str]) -> int:
    """A session that ended two days ago, where these people had a confirmed place."""
    engine = db.make_engine(database_url, pool=False)
    try:
        with db.write(engine) as s:
            people = s.execute(select(User).where(User.email.in_(emails))).scalars().all()
            staff = s.execute(select(User).where(User.email == "staff@example.org")).scalar_one()
            start = utcnow() - timedelta(days=2)
            session = Workshop(
                title=title,
                kind="workshop",
                audience="public",
                description="Try three layouts of the catalogue search page.",
                timezone="UTC",
                place="Main library, room 1.02",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=5,
                created_by=staff.id,
            )
            s.add(session)
            s.flush()
            for person in people:
                s.add(Registration(workshop_id=session.id, user_id=person.id, status="confirmed"))
            return session.id
    finally:
        engine.dispose()


def test_staff_publish_outputs_and_participants_comment(
    new_context, database_url, sign_in, wait_for_email, assert_accessible
):
    title = f"Catalogue search review {uuid.uuid4().hex[:6]}"
    session_id = _held_session(database_url, title, ["patron@example.org", "committee@example.org"])

    staff = new_context().new_page()
    staff.set_default_timeout(WAIT)
    sign_in(staff, "staff@example.org")
    staff.goto(f"/sessions/{session_id}")
    staff.get_by_role("link", name="Attach a picture or a PDF").click()
    staff.get_by_label("Describe the picture").fill(ALT)
    staff.get_by_label("File").set_input_files(
        {"name": "whiteboard.png", "mimeType": "image/png", "buffer": _whiteboard()}
    )
    staff.get_by_role("button", name="Attach").click()
    expect(staff.get_by_role("status")).to_have_text("The file is attached.", timeout=WAIT)
    staff.get_by_label("Notes").fill("We tried **three layouts**; most liked the second.")
    staff.get_by_role("button", name="Publish notes and outcomes").click()
    expect(staff.locator("#what-happened")).to_contain_text("three layouts", timeout=WAIT)

    # The participant is told, follows the email's link and comments.
    mail = wait_for_email("patron@example.org", f"What “{title}” produced", timeout=20)
    link = re.search(r"http://\S+/sessions/\d+", mail.get_content())
    assert link and link.group(0).endswith(f"/sessions/{session_id}")
    patron = new_context().new_page()
    patron.set_default_timeout(WAIT)
    sign_in(patron, "patron@example.org")
    patron.goto(link.group(0))
    expect(patron.get_by_role("img", name=ALT)).to_be_visible(timeout=WAIT)
    comments = patron.get_by_role("region", name="Comments on what the session produced")
    # Sent empty: named beside the field (the refused page is checked, and sent again in
    # Chinese, in this context: axe needs JavaScript in the page).
    comments.get_by_role("button", name="Post comment").click()
    expect(patron.locator("#body-error")).to_contain_text("Write your comment.", timeout=WAIT)
    expect(patron.get_by_label("Your comment")).to_have_attribute(
        "aria-invalid", "true", timeout=WAIT
    )
    assert_accessible(patron)
    patron.get_by_label("Your comment").fill("The second layout finds *journals* faster.")
    patron.get_by_role("button", name="Post comment").click()
    expect(patron.get_by_role("status")).to_have_text("Your comment is posted.", timeout=WAIT)
    expect(comments.locator("article em")).to_have_text("journals", timeout=WAIT)
    assert_accessible(patron)

    # Another participant, with JavaScript off: a too long comment is named and kept, then
    # one is posted by a plain form POST and the redirect.
    plain = new_context(java_script_enabled=False).new_page()
    plain.set_default_timeout(WAIT)
    sign_in(plain, "committee@example.org")
    plain.goto(f"/sessions/{session_id}")
    long_text = ("Larger covers. " * 400).strip()
    plain.get_by_label("Your comment").fill(long_text)
    plain.get_by_role("button", name="Post comment").click()
    expect(plain.locator("#body-error")).to_contain_text("at most", timeout=WAIT)
    expect(plain.get_by_label("Your comment")).to_have_value(long_text, timeout=WAIT)
    plain.get_by_label("Your comment").fill("Agreed; and larger covers, please.")
    plain.get_by_role("button", name="Post comment").click()
    expect(plain.get_by_role("status")).to_have_text("Your comment is posted.", timeout=WAIT)
    region = plain.get_by_role("region", name="Comments on what the session produced")
    expect(region.locator("article")).to_have_count(2, timeout=WAIT)

    # The first participant hears of the second comment.
    told = wait_for_email("patron@example.org", f"New comment on what “{title}”", timeout=20)
    assert "larger covers" in told.get_content()

    # Staff see the comments with their moderation controls; that page passes axe too.
    staff.goto(f"/sessions/{session_id}")
    staff_view = staff.get_by_role("region", name="Comments on what the session produced")
    expect(staff_view.locator("summary", has_text="Report")).to_have_count(2, timeout=WAIT)
    assert_accessible(staff)
