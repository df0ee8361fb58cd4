"""Pictures on a question's options: staff attach them through media's form, they are seen
exactly where the question is, and every page that shows the options shows them beside the
text in a fixed number of queries."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import col

from portal import domains
from portal.choices.models import ChoiceQuestion
from portal.core import db
from portal.media.models import Attachment
from portal.moderation import services as moderation
from tests import factories as f
from tests.choices import LAYOUTS, ask, close, options
from tests.conftest import login_as
from tests.media.helpers import PDF, media_files, picture
from tests.test_query_counts import statements
from tests.workshops.factories import schedule

SIX = ("One", "Two", "Three", "Four", "Five", "Six")


def _attach(client: Any, option_id: int, alt: str, data: bytes | None = None) -> Any:
    return client.post(
        f"/attach/choice_option/{option_id}",
        {"alt": alt},
        files={"file": ("plan.png", data or picture(), "image/png")},
    )


def _rows(engine: Any) -> list[Attachment]:
    with db.read(engine) as s:
        return list(s.execute(select(Attachment).order_by(col(Attachment.id))).scalars())


def _with_pictures(client: Any, engine: Any, staff: Any, question_id: int) -> list[int]:
    """Staff attach one picture to each of the question's options; the option ids."""
    login_as(client, staff)
    ids = options(engine, question_id)
    for n, option_id in enumerate(ids):
        # A different size each, so that each option's picture is its own file.
        response = _attach(client, option_id, f"Plan {n}", picture(size=(60 + n, 40)))
        assert response.status_code == 303
    return ids


def test_staff_attach_a_picture_to_an_option_from_the_question_page(
    client, engine, staff, category
):
    idea = f.idea(engine, staff, category)
    q = ask(engine, staff, idea_id=idea.id)
    first = options(engine, q.id)[0]
    login_as(client, staff)
    page = client.get(f"/choices/{q.id}").text
    assert f'href="/attach/choice_option/{first}"' in page
    assert client.get(f"/attach/choice_option/{first}").status_code == 200
    response = _attach(client, first, "Four rows of single desks")
    assert response.status_code == 303
    assert response.headers["location"] == f"/choices/{q.id}"
    (row,) = _rows(engine)
    assert (row.owner_kind, row.owner_id, row.kind) == ("choice_option", first, "image")
    page = client.get(f"/choices/{q.id}").text
    assert 'alt="Four rows of single desks"' in page
    assert f'<a href="/media/{row.name}"><img src="/media/{row.thumb}"' in page


def test_patrons_may_not_attach_to_an_option(client, engine, staff, patron, category, settings):
    idea = f.idea(engine, patron, category)
    q = ask(engine, staff, idea_id=idea.id)
    first = options(engine, q.id)[0]
    login_as(client, patron)
    assert "/attach/choice_option/" not in client.get(f"/choices/{q.id}").text
    assert client.get(f"/attach/choice_option/{first}").status_code == 404
    assert _attach(client, first, "A plan").status_code == 403
    assert _rows(engine) == []
    assert media_files(Path(settings.media_dir)) == []


def test_an_option_takes_pictures_not_pdfs(client, engine, staff, category):
    idea = f.idea(engine, staff, category)
    q = ask(engine, staff, idea_id=idea.id)
    login_as(client, staff)
    response = client.post(
        f"/attach/choice_option/{options(engine, q.id)[0]}",
        {"alt": "The plan"},
        files={"file": ("plan.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 400
    assert "an option shows pictures, not PDFs" in html.unescape(response.text)
    assert _rows(engine) == []


def test_an_option_of_no_question_is_404(client, staff):
    login_as(client, staff)
    assert client.get("/attach/choice_option/999").status_code == 404
    assert _attach(client, 999, "A plan").status_code == 404


def test_a_committee_sessions_option_pictures_are_for_those_who_see_it(
    client, engine, staff, patron
):
    w = schedule(engine, staff, audience="committee")
    q = ask(engine, staff, workshop_id=w.id, kind="pick")
    _with_pictures(client, engine, staff, q.id)
    row = _rows(engine)[0]
    assert client.get(f"/media/{row.name}").status_code == 200
    assert client.get(f"/media/{row.name}").headers["cache-control"] == "private, no-store"
    login_as(client, patron)
    assert client.get(f"/media/{row.name}").status_code == 404
    assert client.get(f"/media/{row.thumb}").status_code == 404
    assert _attach(client, options(engine, q.id)[0], "A plan").status_code == 404
    client.cookies.clear()
    assert client.get(f"/media/{row.name}").status_code == 404


def test_a_public_questions_option_pictures_are_public(client, engine, staff, category):
    idea = f.idea(engine, staff, category)
    q = ask(engine, staff, idea_id=idea.id)
    _with_pictures(client, engine, staff, q.id)
    row = _rows(engine)[0]
    client.cookies.clear()
    served = client.get(f"/media/{row.name}")
    assert served.status_code == 200 and served.headers["cache-control"].startswith("public")


def test_a_hidden_ideas_option_pictures_are_seen_as_its_files(
    client, engine, staff, patron, category
):
    idea = f.idea(engine, patron, category)
    q = ask(engine, staff, idea_id=idea.id)
    _with_pictures(client, engine, staff, q.id)
    row = _rows(engine)[0]
    with db.write(engine) as s:
        moderation.hide(db=s, actor=staff, target_type="idea", target_id=idea.id, reason="spam")
    assert client.get(f"/media/{row.name}").status_code == 200  # staff moderate
    login_as(client, patron)  # the author still reads a hidden idea, and its files
    assert client.get(f"/media/{row.name}").status_code == 200
    client.cookies.clear()
    assert client.get(f"/media/{row.name}").status_code == 404


def test_the_answer_form_shows_pictures_beside_the_label_text(
    client, engine, staff, patron, category
):
    idea = f.idea(engine, staff, category)
    pick = ask(engine, staff, idea_id=idea.id, kind="pick")
    rank = ask(engine, staff, idea_id=idea.id, kind="rank")
    _with_pictures(client, engine, staff, pick.id)
    _with_pictures(client, engine, staff, rank.id)
    login_as(client, patron)  # the forms, without the results (they show once it closes)
    page = client.get(f"/ideas/{idea.id}").text
    assert page.count('alt="Plan 0"') == 2 and page.count('alt="Plan 2"') == 2
    # The label stays the option's text; the picture beside it speaks through its alt text.
    labels = re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
    for layout in LAYOUTS:
        assert any(label.strip().endswith(layout) for label in labels)
    assert not any("<img" in label for label in labels)


def test_session_page_and_results_show_the_pictures(client, engine, staff, patron):
    w = schedule(engine, staff)
    q = ask(engine, staff, workshop_id=w.id, kind="pick")
    _with_pictures(client, engine, staff, q.id)
    close(engine, q.id)
    login_as(client, patron)
    for path in (f"/sessions/{w.id}", f"/choices/{q.id}"):
        page = client.get(path).text
        table = page[page.index("Answers per option") :]
        for n in range(3):
            assert f'alt="Plan {n}"' in table


def _count(client: Any, engine: Any, paths: tuple[str, ...]) -> dict[str, int]:
    counts = {}
    for path in paths:
        client.get(path)  # what is kept per process while the data version stays is read now
        with statements(engine) as seen:
            assert client.get(path).status_code == 200
        counts[path] = len(seen)
    return counts


def test_pages_read_option_pictures_in_one_query_however_many_options(
    client, engine, staff, category
):
    small_idea, large_idea = f.idea(engine, staff, category), f.idea(engine, staff, category)
    small = ask(engine, staff, idea_id=small_idea.id, options=LAYOUTS[:2])
    large = ask(engine, staff, idea_id=large_idea.id, options=SIX)
    _with_pictures(client, engine, staff, small.id)
    _with_pictures(client, engine, staff, large.id)
    for q in (small, large):
        close(engine, q.id)
    two = _count(client, engine, (f"/ideas/{small_idea.id}", f"/choices/{small.id}"))
    six = _count(client, engine, (f"/ideas/{large_idea.id}", f"/choices/{large.id}"))
    assert list(two.values()) == list(six.values())
    assert client.get(f"/choices/{large.id}").text.count('alt="Plan 5"') == 2


def test_check_repairs_an_option_picture_whose_question_is_gone(
    client, engine, staff, category, settings
):
    idea = f.idea(engine, staff, category)
    q = ask(engine, staff, idea_id=idea.id, options=LAYOUTS[:2])
    first = _with_pictures(client, engine, staff, q.id)[0]
    with db.write(engine) as s:
        s.execute(delete(ChoiceQuestion).where(col(ChoiceQuestion.id) == q.id))
    assert [str(x) for x in domains.check(engine).left] == [
        f"attachment 1: choice_option {first} does not exist",
        f"attachment 2: choice_option {first + 1} does not exist",
    ]
    assert domains.check(engine, repair=True).left == []
    assert _rows(engine) == [] and media_files(Path(settings.media_dir)) == []
