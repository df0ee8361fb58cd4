"""`portal seed`: realistic bulk data for benchmarks, fast.

Rows are written with multi-row INSERTs in large batches inside a few transactions, not
through the per-object services, so that 100,000 ideas, 50,000 users, 1,000,000 votes and
300,000 comments load in minutes. The counters (vote_count, comment_count, trending) are
computed from the very rows written, so they stay consistent with them (`portal check` finds
nothing), and every idea whose status moved has a first staff response. Popularity is skewed
like real boards: a few ideas draw most votes and comments (a Pareto distribution).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, text
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.comments.models import Comment
from portal.core import db, markdown
from portal.core.clock import utcnow
from portal.core.terms import index_terms
from portal.ideas.models import Category, Idea
from portal.ideas.trending import weight
from portal.tools.demo import CATEGORIES

BATCH = 5_000
WORDS = [
    "library",
    "study",
    "room",
    "quiet",
    "space",
    "open",
    "hours",
    "evening",
    "weekend",
    "book",
    "loan",
    "renew",
    "online",
    "catalogue",
    "printer",
    "scanner",
    "laptop",
    "wifi",
    "seat",
    "desk",
    "light",
    "power",
    "socket",
    "cafe",
    "water",
    "children",
    "family",
    "event",
    "workshop",
    "course",
    "research",
    "data",
    "archive",
    "local",
    "history",
    "access",
    "wheelchair",
    "lift",
    "sign",
    "large",
    "print",
    "audio",
    "e-book",
    "journal",
    "database",
    "login",
    "help",
    "desk",
    "staff",
    "student",
    "reader",
    "group",
    "booking",
    "app",
    "phone",
    "text",
    "reminder",
    "fine",
    "return",
    "shelf",
    "collection",
    "language",
    "chinese",
    "english",
    "music",
    "film",
    "game",
    "garden",
    "window",
    "noise",
    "heat",
]
# Chinese words, written without spaces between them as Chinese is: one idea in ten is in
# Chinese, so that searching Chinese words is measured on real rows.
WORDS_ZH = [
    "图书馆",
    "自习室",
    "开放",
    "时间",
    "延长",
    "午夜",
    "周末",
    "安静",
    "座位",
    "借书",
    "续借",
    "打印机",
    "扫描",
    "无线网络",
    "电源",
    "插座",
    "咖啡",
    "儿童",
    "家庭",
    "活动",
    "讲座",
    "课程",
    "研究",
    "数据库",
    "档案",
    "历史",
    "无障碍",
    "电梯",
    "大字",
    "有声书",
    "电子书",
    "期刊",
    "学生",
    "读者",
    "小组",
    "预约",
    "手机",
    "短信",
    "提醒",
    "罚款",
    "还书",
    "书架",
    "馆藏",
    "中文",
    "英文",
    "音乐",
    "电影",
    "花园",
    "窗户",
    "噪音",
]
STATUSES = (
    ["new"] * 60
    + ["under_review"] * 15
    + ["planned"] * 8
    + ["piloting"] * 4
    + ["done"] * 7
    + ["declined"] * 6
)


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    return " ".join(words).capitalize() + "."


def _sentence_zh(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choices(WORDS_ZH, k=rng.randint(lo, hi))) + "。"


class Texts:
    """Realistic-length text from a pool of sentences (generating each word anew would
    dominate the run)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pool = [_sentence(rng, 6, 18) for _ in range(4000)]

    def text(self, chars: int) -> str:
        k = max(1, chars // 80)
        return " ".join(self.rng.choices(self.pool, k=k))


def _batches(rows: Iterator, size: int = BATCH) -> Iterator[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(s: Session, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> None:
    """Write rows at driver speed: COPY on PostgreSQL, executemany on SQLite (where stored
    datetimes are naive UTC text, as SQLAlchemy writes them)."""
    conn = s.connection()
    raw = conn.connection.driver_connection
    if raw is None:  # SQLAlchemy's types allow it: a connection that was invalidated
        raise RuntimeError("the database connection was lost")
    cols = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cur = raw.cursor()
    for batch in _batches(rows, 20_000):
        cur.executemany(
            f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
            [tuple(_sqlite(v) for v in row) for row in batch],
        )


def _index(s: Session, first_idea: int) -> None:
    """Write the search terms of the ideas from `first_idea` on, a batch at a time, as the
    services do for each idea they write."""
    last = first_idea - 1
    while rows := s.execute(
        select(col(Idea.id), col(Idea.title), col(Idea.body))
        .where(col(Idea.id) > last)
        .order_by(col(Idea.id))
        .limit(BATCH)
    ).all():
        _write(
            s, "idea_search", ("idea_id", "terms"), ((r[0], index_terms(r[1], r[2])) for r in rows)
        )
        last = rows[-1][0]


def _sqlite(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _skewed(rng: random.Random, n: int, total: int, cap: int) -> list[int]:
    """`n` counts summing to `total` (when caps allow), Pareto-skewed, each at most `cap`."""
    raw = [rng.paretovariate(1.16) for _ in range(n)]
    scale = total / sum(raw)
    counts = [min(cap, int(r * scale)) for r in raw]
    deficit = total - sum(counts)
    room = [i for i in range(n) if counts[i] < cap]
    while deficit > 0 and room:
        i = rng.choice(room)
        counts[i] += 1
        deficit -= 1
        if counts[i] >= cap:
            room.remove(i)
    return counts


def seed(
    engine: Engine,
    *,
    ideas: int,
    users: int,
    votes: int,
    comments: int,
    seed_value: int = 1,
    log: Callable[[str], object] = print,
) -> dict[str, int]:
    """Fill the database; returns the row counts written."""
    rng = random.Random(seed_value)
    texts = Texts(rng)
    now = utcnow()
    started = time.perf_counter()
    with db.write(engine) as s:
        cats = list(s.execute(select(col(Category.id))).scalars())
        if not cats:
            for pos, (slug, name, name_zh) in enumerate(CATEGORIES):
                s.add(Category(slug=slug, name=name, name_zh=name_zh, position=pos))
            s.flush()
            cats = list(s.execute(select(col(Category.id))).scalars())
        first_user = (s.execute(select(func.max(col(User.id)))).scalar() or 0) + 1
        shared = hash_password("bulk password 123")
        joined = now - timedelta(days=400)
        _write(
            s,
            "user",
            (
                "id",
                "email",
                "display_name",
                "password_hash",
                "role",
                "created_at",
                "committee_listed",
                "email_confirmed_at",
            ),
            (
                (
                    first_user + i,
                    f"reader{first_user + i}@bulk.example.org",
                    f"Reader {first_user + i}",
                    shared,
                    "patron",
                    joined,
                    False,
                    joined,
                )
                for i in range(users)
            ),
        )
    user_ids = list(range(first_user, first_user + users))
    log(f"users: {users} in {time.perf_counter() - started:.1f}s")

    vote_counts = _skewed(rng, ideas, votes, users)
    comment_counts = _skewed(rng, ideas, comments, 10_000)
    created = [now - timedelta(seconds=rng.randint(3600, 365 * 86400)) for _ in range(ideas)]
    # Staff answered every idea whose status moved, within a month (a generator of its own,
    # so the rest of the data is the same as before answers were drawn).
    answers = random.Random(seed_value + 1)
    chinese = random.Random(seed_value + 2)

    def idea_row(i: int) -> tuple:
        title = _sentence(rng, 4, 12)[:120]
        body = texts.text(rng.randint(150, 1200))
        if i % 10 == 3:
            title = _sentence_zh(chinese, 3, 8)[:120]
            body = "".join(_sentence_zh(chinese, 6, 18) for _ in range(len(body) // 80 + 1))
        category, status = rng.choice(cats), rng.choice(STATUSES)
        answered = None
        if status != "new":
            answered = min(now, created[i] + timedelta(seconds=answers.randint(600, 30 * 86400)))
        origin = "library" if i % 25 == 0 else "patron"
        counters = (0, 0, weight(created[i]))  # set from the rows once they are written
        times = (created[i], created[i], answered)
        return (
            first_idea + i,
            title,
            body,
            category,
            authors[i],
            origin,
            status,
            *counters,
            *times,
        )

    with db.write(engine) as s:
        first_idea = (s.execute(select(func.max(col(Idea.id)))).scalar() or 0) + 1
        authors = [rng.choice(user_ids) for _ in range(ideas)]
        _write(
            s,
            "idea",
            (
                "id",
                "title",
                "body",
                "category_id",
                "author_id",
                "origin",
                "status",
                "vote_count",
                "comment_count",
                "trending",
                "created_at",
                "updated_at",
                "first_response_at",
            ),
            (idea_row(i) for i in range(ideas)),
        )
        _write(
            s,
            "follow",
            ("idea_id", "user_id", "created_at"),
            ((first_idea + i, authors[i], created[i]) for i in range(ideas)),
        )
        _index(s, first_idea)
    log(f"ideas: {ideas} in {time.perf_counter() - started:.1f}s")

    trending = [weight(c) for c in created]
    real_votes = [0] * ideas

    def vote_rows() -> Iterator[tuple]:
        for i, count in enumerate(vote_counts):
            if not count:
                continue
            age = max(1, int((now - created[i]).total_seconds()))
            for user_id in rng.sample(user_ids, count):
                at = created[i] + timedelta(seconds=rng.randint(0, age))
                trending[i] += weight(at)
                real_votes[i] += 1
                yield (first_idea + i, user_id, at)

    with db.write(engine) as s:
        _write(s, "vote", ("idea_id", "user_id", "created_at"), vote_rows())
    log(f"votes: {sum(real_votes)} in {time.perf_counter() - started:.1f}s")

    real_comments = [0] * ideas

    def comment_rows() -> Iterator[tuple]:
        next_id = first_comment
        for i, count in enumerate(comment_counts):
            top: list[int] = []
            for _ in range(count):
                parent = rng.choice(top) if top and rng.random() < 0.25 else None
                at = created[i] + timedelta(seconds=rng.randint(60, 30 * 86400))
                yield (
                    next_id,
                    first_idea + i,
                    rng.choice(user_ids),
                    parent,
                    texts.text(rng.randint(40, 400)),
                    False,
                    False,
                    min(at, now),
                )
                if parent is None:
                    top.append(next_id)
                next_id += 1
                real_comments[i] += 1

    with db.write(engine) as s:
        first_comment = (s.execute(select(func.max(col(Comment.id)))).scalar() or 0) + 1
        _write(
            s,
            "comment",
            (
                "id",
                "idea_id",
                "author_id",
                "parent_id",
                "body",
                "is_staff",
                "is_official",
                "created_at",
            ),
            comment_rows(),
        )
    log(f"comments: {sum(real_comments)} in {time.perf_counter() - started:.1f}s")

    with db.write(engine) as s:
        s.execute(
            text(
                "CREATE TEMPORARY TABLE bulk_counts (id INTEGER PRIMARY KEY, "
                "votes INTEGER, comments INTEGER, trending DOUBLE PRECISION)"
            )
        )
        for batch in _batches(
            {
                "id": first_idea + i,
                "votes": real_votes[i],
                "comments": real_comments[i],
                "trending": trending[i],
            }
            for i in range(ideas)
        ):
            s.execute(
                text("INSERT INTO bulk_counts VALUES (:id, :votes, :comments, :trending)"), batch
            )
        s.execute(
            text(
                "UPDATE idea SET vote_count = (SELECT votes FROM bulk_counts b WHERE b.id = idea.id),"
                " comment_count = (SELECT comments FROM bulk_counts b WHERE b.id = idea.id),"
                " trending = (SELECT trending FROM bulk_counts b WHERE b.id = idea.id)"
                " WHERE id >= :first"
            ),
            {"first": first_idea},
        )
        s.execute(text("DROP TABLE bulk_counts"))
        if engine.dialect.name == "postgresql":
            for table in ("user", "idea", "comment"):
                s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT MAX(id) FROM "{table}"))'
                    )
                )
    started = time.perf_counter()
    with engine.connect() as conn:
        # The rows went in without the ORM: render their Markdown as a write would have.
        markdown.rerender_all(conn)
    log(f"Markdown rendered in {time.perf_counter() - started:.1f}s")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    db.bump_version(engine)  # pages kept by a running portal are out of date now
    log(f"counters and statistics in {time.perf_counter() - started:.1f}s")
    return {
        "users": users,
        "ideas": ideas,
        "votes": sum(real_votes),
        "comments": sum(real_comments),
    }
