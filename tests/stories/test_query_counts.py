"""The published list runs the same statements whether it shows one story or a full page."""

from __future__ import annotations

from portal.core import db
from portal.stories import services
from tests.stories import publish, tell, theme
from tests.test_query_counts import statements


def _add(engine, patron, staff, themes, n):
    for _ in range(n):
        story = tell(engine, patron)
        publish(engine, staff, story.id)
        with db.write(engine) as s:
            services.code(db=s, actor=staff, story_id=story.id, theme_ids=themes)


def _measure(client, engine) -> dict[str, int]:
    counts = {}
    for path in ("/stories", "/stories?theme=a"):
        with statements(engine) as seen:
            assert client.get(path).status_code == 200
        counts[path] = len(seen)
    return counts


def test_stories_list_queries_do_not_grow_with_the_stories_shown(client, engine, patron, staff):
    themes = [str(theme(engine, staff, code, code.upper()).id) for code in ("a", "b")]
    _add(engine, patron, staff, themes, 1)
    small = _measure(client, engine)
    _add(engine, patron, staff, themes, 19)
    large = _measure(client, engine)
    assert small == large
    assert all(n >= 4 for n in small.values()), small  # rendered, not a kept page
    assert all(n <= 20 for n in large.values()), large
