"""Small builders for the ideas, votes and comments tests: rows made through the real services,
plus direct reads of the tables to check what was (or was not) stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from portal.votes import services as votes
from portal.votes.models import Follow, Vote

# Search text that full-text syntax could choke on: quotes, operators, unicode, length.
WEIRD_QUERIES = [
    '"',
    '""',
    "*",
    "a*",
    "NEAR(",
    "NEAR(a b)",
    "-",
    "-library",
    "OR",
    "AND",
    "NOT",
    "a OR",
    "title:x",
    "^start",
    "'",
    "\\",
    "():&|!",
    "<script>alert(1)</script>",
    "图书馆 开放",
    "café naïve",
    "emoji 📚",
    "%_",
    "foo_bar",
    "__init__",
    "_",
    "1:* & 2",
    "it's",
    "the and of",
    "x" * 300 + " y",
    "x" * 500,
    "word " * 100,
]
BODY = "It would help people who work in the daytime to study in the evening."


def idea(
    engine: Any,
    author: Any,
    category: Any,
    title: str = "Open the library until ten",
    body: str = BODY,
    **fields: Any,
) -> Idea:
    """Propose an idea through the service, then set any other columns (status, counters)."""
    with db.write(engine) as s:
        row = ideas.propose(db=s, actor=author, title=title, body=body, category_id=category.id)
        for key, value in fields.items():
            setattr(row, key, value)
        s.add(row)
    return row


def many_ideas(engine: Any, author: Any, category: Any, n: int, prefix: str = "Idea") -> list[int]:
    """`n` ideas in one transaction; their ids, oldest first."""
    with db.write(engine) as s:
        rows = [
            ideas.propose(
                db=s, actor=author, title=f"{prefix} {i}", body=BODY, category_id=category.id
            )
            for i in range(n)
        ]
        return [r.id for r in rows]


def vote(engine: Any, user: Any, idea_id: int) -> bool:
    with db.write(engine) as s:
        return votes.vote(db=s, actor=user, idea_id=idea_id)


def comment(
    engine: Any, user: Any, idea_id: int, body: str = "Yes please.", parent_id: int | None = None
) -> Comment:
    with db.write(engine) as s:
        return comments.add(db=s, actor=user, idea_id=idea_id, body=body, parent_id=parent_id)


def set_status(engine: Any, idea_id: int, status: str) -> None:
    """Put an idea in a status directly, without the history a staff change writes."""
    with db.write(engine) as s:
        s.execute(update(Idea).where(Idea.id == idea_id).values(status=status))


def age_comment(engine: Any, comment_id: int, minutes: int) -> None:
    """Pretend a comment was posted `minutes` ago."""
    with db.write(engine) as s:
        s.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(created_at=utcnow() - timedelta(minutes=minutes))
        )


def get(engine: Any, model: Any, row_id: int) -> Any:
    with db.read(engine) as s:
        return s.get(model, row_id)


def count(engine: Any, model: Any, *where: Any) -> int:
    """How many rows of `model` match `where`."""
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def votes_of(engine: Any, idea_id: int) -> set[int]:
    with db.read(engine) as s:
        return set(s.execute(select(Vote.user_id).where(Vote.idea_id == idea_id)).scalars())


def followers_of(engine: Any, idea_id: int) -> set[int]:
    with db.read(engine) as s:
        return set(s.execute(select(Follow.user_id).where(Follow.idea_id == idea_id)).scalars())


def counter_mismatches(engine: Any) -> list[tuple[int, int, int, int, int]]:
    """Ideas whose stored counters differ from their rows: (id, votes, rows, comments, rows).
    Deleted and hidden comments do not count."""
    vote_rows = (
        select(func.count()).select_from(Vote).where(Vote.idea_id == Idea.id).scalar_subquery()
    )
    comment_rows = (
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.idea_id == Idea.id, Comment.deleted_at.is_(None), Comment.hidden_at.is_(None)
        )
        .scalar_subquery()
    )
    with db.read(engine) as s:
        rows = s.execute(
            select(Idea.id, Idea.vote_count, vote_rows, Idea.comment_count, comment_rows)
        ).all()
    return [tuple(r) for r in rows if r[1] != r[2] or r[3] != r[4]]


def post_comment(client: Any, idea_id: int, body: str) -> tuple[str, int]:
    """Post a comment through the idea page's form: where the answer leads, and the new id."""
    response = client.post(f"/ideas/{idea_id}/comments", {"body": body})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    return location, int(location.rsplit("#comment-", 1)[1])


def account_link(engine: Any, address: str, path: str = "/account/confirm/") -> str:
    """The link under `path` in the newest email queued to `address` (a confirmation or reset
    link), without the host: for tests that sign up without running the worker."""
    import re

    from portal.notifications.models import EmailOutbox

    with db.read(engine) as s:
        body = s.execute(
            select(EmailOutbox.body)
            .where(EmailOutbox.to_addr == address)
            .order_by(EmailOutbox.id.desc())
            .limit(1)
        ).scalar_one()
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", body)
    assert found, body
    return found.group(1)
