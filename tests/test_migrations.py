"""Migrations and models agree (no drift), there is one head, and the whole history can be
rolled back to nothing and applied again, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import ast

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.core.migrate import alembic_config, latest_revision
from portal.core.terms import index_terms
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.ideas.models import Category
from portal.models import metadata
from portal.settings import MIGRATIONS_DIR
from tests.conftest import PASSWORD


def _include_object():
    """The very `include_object` of migrations/env.py (that module cannot be imported outside
    an Alembic run), so the test ignores exactly what the migrations ignore."""
    tree = ast.parse((MIGRATIONS_DIR / "env.py").read_text())
    (function,) = [
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "include_object"
    ]
    namespace: dict = {}
    exec(compile(ast.Module([function], type_ignores=[]), "env.py", "exec"), namespace)
    return namespace["include_object"]


def _drift(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _include_object(), "compare_type": True}
        )
        return compare_metadata(context, metadata)


@pytest.fixture
def bare_engine(database_url):
    """An engine without pooled connections, so DDL is not blocked by idle sessions."""
    engine = db.make_engine(database_url, pool=False)
    yield engine
    engine.dispose()


def test_migrations_match_the_models(bare_engine):
    assert _drift(bare_engine) == []


def test_migrations_drift_check_notices_a_missing_table(bare_engine):
    # Proves the check above can fail: drop a table the models declare.
    with bare_engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE status_change")
    diff = _drift(bare_engine)
    assert any(d[0] == "add_table" and d[1].name == "status_change" for d in diff)


def test_migrations_ignore_only_the_search_objects():
    include = _include_object()
    assert include(None, "idea_fts", "table", True, None) is False
    assert include(None, "idea_fts_data", "table", True, None) is False
    assert include(None, "ix_idea_search", "index", True, None) is False
    assert include(None, "idea", "table", True, None) is True
    assert include(None, "ix_idea_top", "index", True, None) is True
    vector = sa.Table("idea_search", sa.MetaData(), sa.Column("vector")).c.vector
    assert include(vector, "vector", "column", True, None) is False
    terms = metadata.tables["idea_search"].c.terms
    assert include(terms, "terms", "column", True, None) is True
    vote_count = metadata.tables["idea"].c.vote_count
    assert include(vote_count, "vote_count", "column", True, None) is True


def test_migrations_have_a_single_head(database_url):
    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    assert len(heads) == 1


def test_migrations_downgrade_to_base_and_upgrade_again(database_url, bare_engine):
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    left = set(inspect(bare_engine).get_table_names()) - {"alembic_version"}
    assert left == set()

    command.upgrade(config, "head")
    assert set(inspect(bare_engine).get_table_names()) >= {t.name for t in metadata.sorted_tables}
    assert _drift(bare_engine) == []

    # The hand-written search DDL came back too: a new idea is found by a word of its body.
    with db.write(bare_engine) as s:
        author = accounts.create_user(
            db=s, email="a@example.org", display_name="A", password=PASSWORD
        )
        category = Category(slug="spaces", name="Spaces")
        s.add(category)
        s.flush()
        idea = ideas.propose(
            db=s,
            actor=author,
            title="Longer hours",
            body="Open on Sundays",
            category_id=category.id,
        )
    with db.read(bare_engine) as s:
        found = ideas_q.list_ideas(s, ideas_q.Filters(q="sundays")).items
    assert [i.id for i in found] == [idea.id]


def test_search_triggers_survive_every_migration_on_sqlite(engine):
    """A later migration that rebuilt the idea table would silently drop them."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import text

    with engine.connect() as conn:
        names = set(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        )
    assert {"idea_fts_insert", "idea_fts_delete", "idea_fts_update"} <= names


def _old_user(s, email: str, name: str) -> User:
    """An account inserted with only the columns the user table had before 0016 (the ORM
    model has more), as a detached User that services can take as the actor."""
    from sqlalchemy import text

    now = utcnow()
    user_id = s.execute(
        text(
            'INSERT INTO "user" (email, display_name, role, created_at, committee_listed,'
            " email_confirmed_at) VALUES (:email, :name, 'patron', :now, :no, :now) RETURNING id"
        ),
        {"email": email, "name": name, "now": now, "no": False},
    ).scalar_one()
    return User(id=user_id, email=email, display_name=name, created_at=now, email_confirmed_at=now)


def test_migration_0010_brings_back_the_votes_of_deleted_accounts(database_url, bare_engine):
    """Before 0010, deleting an account deleted its vote rows and kept the counts. The
    migration restores them as anonymous rows, with the count and trending unchanged."""
    from sqlalchemy import text

    from portal.core.clock import utcnow
    from portal.ideas.trending import weight
    from portal.votes import queries as votes_q

    config = alembic_config(database_url)
    command.downgrade(config, "0009")  # the revision before 0010
    with db.write(bare_engine) as s:
        people = [_old_user(s, f"p{i}@example.org", f"P{i}") for i in range(3)]
        # The tables as they were at 0007: no ORM model of a table that changed since.
        category_id = s.execute(
            text(
                "INSERT INTO category (slug, name, name_zh, position) "
                "VALUES ('spaces', 'Spaces', '', 0) RETURNING id"
            )
        ).scalar_one()
        # The idea and its votes as the vote service wrote them then (the tables have
        # columns since, such as `source`, that the models and services now write).
        now = utcnow()
        idea_id = s.execute(
            text(
                "INSERT INTO idea (title, body, category_id, author_id, origin, status,"
                " vote_count, comment_count, trending, created_at, updated_at, hidden_reason)"
                " VALUES ('Longer hours', 'Sundays', :c, :a, 'patron', 'new', 3, 0, :t, :now,"
                " :now, '') RETURNING id"
            ),
            {"c": category_id, "a": people[0].id, "t": 4 * weight(now), "now": now},
        ).scalar_one()
        for person in people:
            s.execute(
                text("INSERT INTO vote (idea_id, user_id, created_at) VALUES (:i, :u, :now)"),
                {"i": idea_id, "u": person.id, "now": now},
            )
    with db.read(bare_engine) as s:
        before = s.execute(text("SELECT vote_count, trending FROM idea")).one()
    with db.write(bare_engine) as s:  # what deleting two accounts did then
        s.execute(
            text('DELETE FROM "user" WHERE id IN (:a, :b)'), {"a": people[1].id, "b": people[2].id}
        )
    with db.read(bare_engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM vote")).scalar_one() == 1

    command.upgrade(config, "head")

    with db.read(bare_engine) as s:
        after = s.execute(text("SELECT vote_count, trending FROM idea")).one()
        voters = s.execute(text("SELECT user_id FROM vote ORDER BY user_id")).scalars().all()
        count, trending = votes_q.tally(s, idea_id)
    assert after.vote_count == before.vote_count == 3
    assert sorted(voters, key=str) == sorted([people[0].id, None, None], key=str)
    assert count == 3
    assert trending == pytest.approx(before.trending, rel=1e-9)
    assert after.trending == before.trending


def _at_0010(bare_engine) -> dict[str, int]:
    """A database at 0010 with an idea (voted, commented, found by search), and decisions
    whose free-text responsible teams differ in spacing and letter case, or are empty."""
    from sqlalchemy import text

    with db.write(bare_engine) as s:
        author = _old_user(s, "a@example.org", "A")
        ids = {"author": author.id}
        ids["category"] = s.execute(
            text(
                "INSERT INTO category (slug, name, name_zh, position) "
                "VALUES ('spaces', 'Spaces', '', 0) RETURNING id"
            )
        ).scalar_one()
        ids["idea"] = s.execute(
            text(
                "INSERT INTO idea (title, body, category_id, author_id, origin, status, "
                "vote_count, comment_count, trending, created_at, updated_at, hidden_reason) "
                "VALUES ('Longer hours', 'Open on Sundays', :c, :a, 'patron', 'new', 1, 1, 1.0, "
                ":now, :now, '') RETURNING id"
            ),
            {"c": ids["category"], "a": author.id, "now": utcnow()},
        ).scalar_one()
        s.execute(
            text("INSERT INTO vote (idea_id, user_id, created_at) VALUES (:i, :a, :now)"),
            {"i": ids["idea"], "a": author.id, "now": utcnow()},
        )
        for n, team in enumerate(["Customer services", " customer  SERVICES", "", "Digital"]):
            ids[f"decision{n}"] = s.execute(
                text(
                    "INSERT INTO decision (title, you_said, we_did, outcome, reason, team, "
                    "published_at, notified_count) VALUES (:t, 'x', 'y', 'adopted', '', :team, "
                    ":at, 0) RETURNING id"
                ),
                {"t": f"Decision {n}", "team": team, "at": utcnow()},
            ).scalar_one()
    return ids


def test_migration_0011_turns_responsible_team_texts_into_teams(database_url, bare_engine):
    from sqlalchemy import text

    config = alembic_config(database_url)
    command.downgrade(config, "0010")
    ids = _at_0010(bare_engine)

    command.upgrade(config, "head")

    with db.read(bare_engine) as s:
        teams = s.execute(text("SELECT id, name FROM team ORDER BY id")).all()
        links = dict(s.execute(text("SELECT decision_id, team_id FROM decision_team")).all())
        settings = s.execute(text("SELECT site_name, response_days FROM site_settings")).all()
    assert [name for _id, name in teams] == ["Customer services", "Digital"]
    by_name = {name: team_id for team_id, name in teams}
    assert links == {
        ids["decision0"]: by_name["Customer services"],
        ids["decision1"]: by_name["Customer services"],
        ids["decision3"]: by_name["Digital"],
    }
    assert settings == [("", 14)]
    # An idea may now have no category; the old idea, its vote and its search entry are kept.
    with db.write(bare_engine) as s:
        s.execute(
            text(
                "INSERT INTO idea (title, body, category_id, author_id, origin, status, "
                "vote_count, comment_count, trending, created_at, updated_at, hidden_reason) "
                "VALUES ('No category', 'Quiet Sundays', NULL, :a, 'patron', 'new', 0, 0, 1.0, "
                ":now, :now, '')"
            ),
            {"a": ids["author"], "now": utcnow()},
        )
        # Its search terms, as the services write them with an idea (no trigger does, 0018).
        s.execute(
            text(
                "INSERT INTO idea_search (idea_id, terms) "
                "SELECT id, :terms FROM idea WHERE title = 'No category'"
            ),
            {"terms": index_terms("No category", "Quiet Sundays")},
        )
    with db.read(bare_engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM vote")).scalar_one() == 1
        found = ideas_q.list_ideas(s, ideas_q.Filters(q="sundays")).items
    assert {i.title for i in found} == {"Longer hours", "No category"}

    command.downgrade(config, "0010")

    with db.read(bare_engine) as s:
        texts = dict(s.execute(text("SELECT id, team FROM decision")).all())
        categories = dict(s.execute(text("SELECT title, category_id FROM idea")).all())
        uncategorised = s.execute(
            text("SELECT id FROM category WHERE slug = 'uncategorised'")
        ).scalar_one()
    assert texts == {
        ids["decision0"]: "Customer services",
        ids["decision1"]: "Customer services",
        ids["decision2"]: "",
        ids["decision3"]: "Digital",
    }
    assert categories == {"Longer hours": ids["category"], "No category": uncategorised}
    with pytest.raises(Exception, match="(?i)not.null"):
        with db.write(bare_engine) as s:
            s.execute(text("UPDATE idea SET category_id = NULL"))


def test_latest_revision_is_alembics_head():
    # /healthz reads the head from the files without Alembic; it must be Alembic's own.
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert latest_revision() == head


def test_migration_0017_stores_the_rendered_markdown_of_every_row(database_url, bare_engine):
    from sqlalchemy import text

    from portal.core import markdown

    config = alembic_config(database_url)
    command.downgrade(config, "0016")  # the revision before 0017
    with db.write(bare_engine) as s:
        author = accounts.create_user(
            db=s, email="a@example.org", display_name="A", password=PASSWORD
        )
        category = s.execute(
            text(
                "INSERT INTO category (slug, name, name_zh, position) "
                "VALUES ('spaces', 'Spaces', '', 0) RETURNING id"
            )
        ).scalar_one()
        idea = s.execute(
            text(
                "INSERT INTO idea (title, body, category_id, author_id, origin, status, "
                "vote_count, comment_count, trending, created_at, updated_at, hidden_reason) "
                "VALUES ('Longer hours', 'Open on *Sundays* <script>x</script>', :c, :a, "
                "'patron', 'new', 0, 0, 1.0, :now, :now, '') RETURNING id"
            ),
            {"c": category, "a": author.id, "now": utcnow()},
        ).scalar_one()

    command.upgrade(config, "head")

    with db.read(bare_engine) as s:
        stored = s.execute(
            text("SELECT body_html, html_version FROM idea WHERE id = :i"), {"i": idea}
        ).one()
    assert stored.body_html == "<p>Open on <em>Sundays</em> &lt;script&gt;x&lt;/script&gt;</p>\n"
    assert stored.html_version == markdown.VERSION
