"""The demo's session with its outputs: a group-study floor workshop ten days ago, with its
summary, a whiteboard picture (drawn here with Pillow), the floor-layout question asked at it
(its result is seeded by demo_choices), the idea it started from, a new idea it created, and
what three participants said about the outputs afterwards."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlmodel import Session

from portal.accounts.models import User
from portal.comments import services as comments
from portal.core.clock import utcnow
from portal.media import services as media
from portal.outputs import services as outputs
from portal.workshops.models import Registration, Workshop

# What participants said under the outputs, in order.
COMMENTS = (
    "The sketch matches what my group said: **tables for six by the windows**, please.",
    "I would keep two of the quiet rows near the stairs too; it is loud by the lifts.",
    "Booths with a screen would save us booking a room for every project meeting.",
)

SUMMARY = (
    "Eleven people sketched the group-study floor on the whiteboard.\n\n"
    "- Groups want tables for six near the windows.\n"
    "- Quiet rows should stay, away from the group tables.\n"
    "- Booths with a screen were popular for project work.\n\n"
    "The three layouts went to a vote; the result is below."
)


def whiteboard_png() -> bytes:
    """A whiteboard sketch: the floor's outline, six-person tables and a row of desks."""
    image = Image.new("RGB", (800, 500), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 480), outline="black", width=4)
    for x in (80, 300, 520):
        draw.ellipse((x, 60, x + 160, 180), outline="blue", width=3)
    for x in range(60, 740, 70):
        draw.rectangle((x, 380, x + 50, 430), outline="green", width=3)
    draw.line((20, 300, 780, 300), fill="red", width=2)
    draw.text((40, 310), "windows: group tables / quiet rows", fill="black")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "whiteboard.png"
        image.save(path)
        return path.read_bytes()


def seed(s: Session, staff: User, people: list[User], idea_id: int, category_id: int) -> int:
    """The past session with its outputs; returns its id (the floor-layout question is then
    asked on it)."""
    start = utcnow().replace(hour=14, minute=0, second=0, microsecond=0) - timedelta(days=10)
    session = Workshop(
        title="Group-study floor workshop",
        kind="workshop",
        audience="public",
        description="Sketch the group-study floor with us.",
        timezone="UTC",
        place="Main library, room 2.14",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=12,
        created_by=staff.id,
        notes=SUMMARY,
        notes_published_at=start + timedelta(days=1),
    )
    s.add(session)
    s.flush()
    for person in people:
        s.add(
            Registration(
                workshop_id=session.id, user_id=person.id, status="confirmed", attended=True
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        upload = Path(tmp) / "whiteboard.png"
        upload.write_bytes(whiteboard_png())
        media.attach(
            db=s,
            actor=staff,
            kind="workshop",
            owner_id=session.id,
            upload=upload,
            filename="whiteboard.png",
            alt="Whiteboard sketch of the group-study floor: three round tables for six by the "
            "windows, a row of single desks along the far wall.",
        )
    outputs.link_idea(
        db=s,
        actor=staff,
        workshop_id=session.id,
        idea=str(idea_id),
        note="The workshop started from this idea.",
    )
    outputs.create_idea(
        db=s,
        actor=staff,
        workshop_id=session.id,
        form={
            "new_title": "Movable whiteboards for group rooms",
            "new_body": "Every group used the whiteboard. Movable ones would let each room have "
            "one.",
            "new_category": str(category_id),
        },
    )
    for person, text in zip(people, COMMENTS, strict=False):
        comments.add_on_session(db=s, actor=person, workshop_id=session.id, body=text)
    return session.id
