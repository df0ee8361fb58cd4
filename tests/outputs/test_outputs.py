"""What a session produced: participants are told once when its outputs are published (a real
SMTP server, in their language, not when they turned the kind off), and staff link the ideas
it created or changed, by number, with a note; others may not, and bad input is named."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.core import db
from portal.core.clock import utcnow
from portal.ideas.models import Idea
from portal.notifications.models import Event, Preference
from portal.outputs.models import OutputIdea
from portal.workshops import services
from portal.workshops.models import Workshop
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.test_query_counts import statements
from tests.workshops import factories as w


def publish(engine, staff, workshop_id: int, notes: str = "We drew three layouts.") -> None:  # noqa: ANN001
    with db.write(engine) as s:
        services.publish_notes(db=s, actor=staff, workshop_id=workshop_id, notes=notes, outcomes="")


def told(engine, workshop_id: int) -> list[int]:  # noqa: ANN001
    with db.read(engine) as s:
        return sorted(
            s.execute(
                select(Event.user_id).where(
                    Event.kind == "outputs", Event.workshop_id == workshop_id
                )
            ).scalars()
        )


def linked(engine, workshop_id: int) -> list[tuple[int, str]]:  # noqa: ANN001
    with db.read(engine) as s:
        rows = s.execute(
            select(OutputIdea.idea_id, OutputIdea.note).where(OutputIdea.workshop_id == workshop_id)
        ).all()
    return [tuple(r) for r in rows]


def test_outputs_participants_are_told_once_in_their_language(
    client, engine, staff, worker, smtp_server
):
    session = w.schedule(engine, staff, capacity=1, title="Floor layouts")
    placed, waiting, silent = make_user(engine), make_user(engine), make_user(engine)
    w.register(engine, placed, session.id)
    w.register(engine, waiting, session.id)
    other = w.schedule(engine, staff, capacity=2)
    w.register(engine, silent, other.id)
    w.to_the_past(engine, session.id)
    publish(engine, staff, session.id)
    publish(engine, staff, session.id, notes="Corrected.")  # a correction is not news again
    assert told(engine, session.id) == [placed.id]

    w.drain(worker)
    [mail] = smtp_server.by_recipient(placed.email)
    assert mail["Subject"] == "What “Floor layouts” produced"
    assert f"http://testserver/sessions/{session.id}" in mail.get_content()
    assert mail["List-Unsubscribe"]
    assert smtp_server.by_recipient(waiting.email) == []
    login_as(client, placed)
    assert "What “Floor layouts” produced is published" in client.get("/notifications").text


def test_outputs_email_in_chinese_and_not_when_turned_off(engine, staff, worker, smtp_server):
    session = w.schedule(engine, staff, capacity=3, title="Layouts")
    chinese, off = make_user(engine), make_user(engine)
    with db.write(engine) as s:
        chinese_row = s.get(type(chinese), chinese.id)
        chinese_row.locale = "zh_Hans"
        s.add(Preference(user_id=off.id, kind="outputs", mode="off"))
    for person in (chinese, off):
        w.register(engine, person, session.id)
    w.to_the_past(engine, session.id)
    publish(engine, staff, session.id)
    w.drain(worker)
    [mail] = smtp_server.by_recipient(chinese.email)
    assert "Layouts" in mail["Subject"] and "What" not in mail["Subject"]
    assert smtp_server.by_recipient(off.email) == []


def test_outputs_staff_link_an_idea_by_number_with_a_note(client, engine, staff, patron, category):
    session = w.schedule(engine, staff)
    w.to_the_past(engine, session.id)
    idea = f.idea(engine, patron, category, title="Quiet corner by the stairs")
    login_as(client, staff)
    page = client.get(f"/sessions/{session.id}").text
    response = client.post(
        f"/sessions/{session.id}/outputs/ideas", {"idea": f"#{idea.id}", "note": "From sketch 2"}
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("#outputs-ideas")
    assert linked(engine, session.id) == [(idea.id, "From sketch 2")]
    page = client.get(f"/sessions/{session.id}").text
    assert "Quiet corner by the stairs</a> – From sketch 2" in page
    client.cookies.clear()
    public = client.get(f"/sessions/{session.id}").text
    assert (
        "Quiet corner by the stairs" in public
        and 'action="/sessions/' not in public.split("outputs-ideas")[1].split("</section>")[0]
    )


def test_outputs_only_staff_link_ideas(client, engine, staff, patron, category):
    session = w.schedule(engine, staff)
    w.to_the_past(engine, session.id)
    idea = f.idea(engine, patron, category)
    login_as(client, patron)
    response = client.post(f"/sessions/{session.id}/outputs/ideas", {"idea": str(idea.id)})
    assert response.status_code == 403
    client.cookies.clear()
    response = client.post(f"/sessions/{session.id}/outputs/ideas", {"idea": str(idea.id)})
    assert response.status_code in (302, 303, 401, 403)
    assert linked(engine, session.id) == []


def test_outputs_bad_input_is_named_and_kept(client, engine, staff, patron, category):
    session = w.schedule(engine, staff)
    upcoming = w.schedule(engine, staff)
    w.to_the_past(engine, session.id)
    idea = f.idea(engine, patron, category)
    hidden = f.idea(engine, patron, category, title="Hidden one")
    with db.write(engine) as s:
        row = s.get(type(hidden), hidden.id)
        row.hidden_at = row.created_at
    login_as(client, staff)
    url = f"/sessions/{session.id}/outputs/ideas"
    for raw in ("abc", "99999", str(hidden.id), "", "١٢"):
        response = client.post(url, {"idea": raw, "note": "kept note"})
        assert response.status_code == 400, raw
        assert w.field_error(response.text, "idea"), raw
        assert w.input_value(response.text, "note") == "kept note"
    response = client.post(url, {"idea": str(idea.id), "note": "x" * 301})
    assert response.status_code == 400 and w.field_error(response.text, "note")
    assert linked(engine, session.id) == []
    assert client.post(url, {"idea": str(idea.id)}).status_code == 303
    again = client.post(url, {"idea": str(idea.id)})
    assert again.status_code == 400 and "already" in w.field_error(again.text, "idea")
    early = client.post(f"/sessions/{upcoming.id}/outputs/ideas", {"idea": str(idea.id)})
    assert early.status_code == 400 and linked(engine, upcoming.id) == []
    assert client.post("/sessions/999999/outputs/ideas", {"idea": "1"}).status_code == 404


def test_outputs_session_page_queries_do_not_grow(client, engine, staff, patron, category):
    session = w.schedule(engine, staff)
    w.to_the_past(engine, session.id)
    login_as(client, staff)

    def link_more(n: int) -> None:
        for i in range(n):
            made = f.idea(engine, patron, category, title=f"Idea {i} {n}")
            client.post(f"/sessions/{session.id}/outputs/ideas", {"idea": str(made.id)})

    link_more(1)
    with statements(engine) as few:
        client.get(f"/sessions/{session.id}")
    link_more(6)
    with statements(engine) as many:
        client.get(f"/sessions/{session.id}")
    assert len(many) == len(few)


def test_outputs_notes_before_the_session_tell_nobody_until_after_it(engine, staff):
    session = w.schedule(engine, staff, capacity=2)
    person = make_user(engine)
    w.register(engine, person, session.id)
    publish(engine, staff, session.id, notes="Bring a pencil.")
    assert told(engine, session.id) == []
    w.to_the_past(engine, session.id)  # two days ago; the first notes came before it
    with db.write(engine) as s:
        s.get(Workshop, session.id).notes_published_at = utcnow() - timedelta(days=3)
    publish(engine, staff, session.id, notes="What we drew.")
    publish(engine, staff, session.id, notes="What we drew, corrected.")
    assert told(engine, session.id) == [person.id]


def test_outputs_staff_create_an_idea_from_the_session_page(client, engine, staff, category):
    session = w.schedule(engine, staff)
    w.to_the_past(engine, session.id)
    login_as(client, staff)
    url = f"/sessions/{session.id}/outputs/new-idea"
    form = {"new_title": "Movable whiteboards", "new_body": "", "new_category": str(category.id)}
    response = client.post(url, form)
    assert response.status_code == 400 and w.field_error(response.text, "new_body")
    assert w.input_value(response.text, "new_title") == "Movable whiteboards"
    assert linked(engine, session.id) == [] and f.count(engine, Idea) == 0
    form["new_body"] = "Sketches on the wall helped every group; let them move between rooms."
    response = client.post(url, form)
    assert response.status_code == 303
    [(idea_id, _note)] = linked(engine, session.id)
    assert f.get(engine, Idea, idea_id).title == "Movable whiteboards"
    assert "Movable whiteboards</a>" in client.get(f"/sessions/{session.id}").text


def test_outputs_others_cannot_create_ideas_from_a_session(client, engine, staff, patron, category):
    session = w.schedule(engine, staff)
    w.to_the_past(engine, session.id)
    login_as(client, patron)
    form = {"new_title": "Sneaky", "new_body": "Body text here", "new_category": str(category.id)}
    response = client.post(f"/sessions/{session.id}/outputs/new-idea", form)
    assert response.status_code == 403
    assert f.count(engine, Idea) == 0
    assert (
        'action="/sessions/' + str(session.id) + "/outputs"
        not in client.get(f"/sessions/{session.id}").text
    )
