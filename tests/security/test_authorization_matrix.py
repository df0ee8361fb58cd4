"""Who may do what: every actor (a visitor, the author, another patron, a committee member,
staff, an admin) against every guarded action, over HTTP. A refused request answers 403 (or
404 where the thing's existence is private, or the sign-in page for a visitor) and writes
nothing: every table's row count and the acted-on row are the same before and after. An
allowed request does what it says, so the matrix cannot pass by refusing everything.

Then the fields a role may not set: posted anyway, they are ignored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from portal.accounts.models import User
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.decisions.models import Decision
from portal.ideas.models import Category, Idea
from portal.ideas.trending import weight
from portal.notifications.models import EmailOutbox
from portal.setup.models import SiteSettings
from portal.teams.models import Team
from portal.triage import services as triage
from portal.triage.models import Criterion, InputRequest
from portal.workshops import services as workshops
from portal.workshops.models import Workshop
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.decisions import form as decision_form
from tests.decisions import publish
from tests.security import fields, row_counts
from tests.teams import team
from tests.triage import criterion as triage_criterion

ACTORS = ("anonymous", "author", "patron_b", "committee", "staff", "admin")
OK, LOGIN = "ok", "login"


@dataclass(frozen=True)
class Action:
    """One guarded request. `path` and `data` may name {idea}, {comment}, {session},
    {subject} (a patron whom user management acts on) and {email} (one that failed); `row` is
    what it would change."""

    method: str
    path: str
    row: tuple[type, str]
    data: dict[str, str] = field(default_factory=dict)
    shows: str = ""  # on an allowed GET: text the page must contain


ACTIONS = {
    "edit idea": Action(
        "POST",
        "/ideas/{idea}/edit",
        (Idea, "idea"),
        {"title": "Taken over", "body": "New text", "category_id": "{category}"},
    ),
    "delete comment": Action("POST", "/comments/{comment}/delete", (Comment, "comment")),
    "edit comment": Action(
        "POST", "/comments/{comment}/edit", (Comment, "comment"), {"body": "Changed words"}
    ),
    "change status": Action(
        "POST",
        "/ideas/{idea}/status",
        (Idea, "idea"),
        {"status": "planned", "response": "We will"},
    ),
    "hide": Action(
        "POST",
        "/staff/moderation/hide",
        (Idea, "idea"),
        {"target_type": "idea", "target_id": "{idea}", "reason": "Off topic"},
    ),
    "publish decision": Action(
        "POST",
        "/staff/decisions/new",
        (Idea, "idea"),  # publishing moves the linked idea's status
        decision_form(["{idea}"], title="Quiet rooms on every floor"),
    ),
    "manage users": Action(
        "POST", "/staff/users/{subject}", (User, "subject"), {"action": "role", "role": "staff"}
    ),
    "block a patron": Action(
        "POST",
        "/staff/users/{subject}",
        (User, "subject"),
        {"action": "block", "reason": "Spam"},
    ),
    "set committee": Action(
        "POST",
        "/staff/committee",
        (User, "subject"),
        {"email": "{subject_email}", "action": "add", "until": "2031-03-31"},
    ),
    "committee session": Action(
        "GET", "/sessions/{session}", (Workshop, "session"), shows="Committee spring meeting"
    ),
    "staff desk": Action("GET", "/staff", (Idea, "idea"), shows="Reports to review"),
    "audit log": Action("GET", "/staff/audit", (Idea, "idea"), shows="Audit log"),
    "committee admin": Action(
        "GET", "/staff/committee", (User, "subject"), shows="Committee membership"
    ),
    "failed emails": Action("GET", "/staff/emails", (EmailOutbox, "email"), shows="Send again"),
    "retry an email": Action("POST", "/staff/emails/{email}/retry", (EmailOutbox, "email")),
    "retry all emails": Action("POST", "/staff/emails/retry", (EmailOutbox, "email")),
    "site settings": Action("GET", "/staff/settings", (Idea, "idea"), shows="Site settings"),
    "save settings": Action(
        "POST",
        "/staff/settings",
        (SiteSettings, "settings"),
        {"site_name": "Taken over", "response_days": "7", "contact_email": "x@example.org"},
    ),
    "categories": Action("GET", "/staff/categories", (Idea, "idea"), shows="Add a category"),
    "rename category": Action(
        "POST", "/staff/categories/{category}", (Category, "category"), {"name": "Renamed"}
    ),
    "move category": Action(
        "POST",
        "/staff/categories/{category}/move",
        (Category, "category"),
        {"direction": "down"},
    ),
    "archive category": Action(
        "POST",
        "/staff/categories/{category}/archive",
        (Category, "category"),
        {"action": "archive"},
    ),
    "teams": Action("GET", "/staff/teams", (Team, "team"), shows="Reading room team"),
    "team page": Action("GET", "/staff/teams/{team}", (Team, "team"), shows="Reading room team"),
    "rename team": Action("POST", "/staff/teams/{team}", (Team, "team"), {"name": "Renamed"}),
    "archive team": Action(
        "POST", "/staff/teams/{team}/archive", (Team, "team"), {"action": "archive"}
    ),
    "triage page": Action(
        "GET", "/staff/ideas/{idea}/triage", (Idea, "idea"), shows="Triage (staff only)"
    ),
    "answer input": Action(
        "POST", "/staff/triage/requests/{input}/answer", (InputRequest, "input")
    ),
    "edit criterion": Action(
        "POST",
        "/staff/triage/criteria/{criterion}",
        (Criterion, "criterion"),
        {"name": "Fit", "weight": "4"},
    ),
    "correct decision": Action(
        "POST",
        "/you-said-we-did/{decision}/correct",
        (Decision, "decision"),
        {"title": "Corrected title", "you_said": "Asked.", "we_did": "Done.", "ideas": ""},
    ),
}

# The expected outcome of each action for each actor, in the order of ACTORS:
#                         visitor  author patron B committee staff  admin
MATRIX = {
    "edit idea":         (LOGIN,   OK,    403,     403,      OK,    OK),
    "delete comment":    (LOGIN,   OK,    403,     403,      OK,    OK),
    "edit comment":      (LOGIN,   OK,    403,     403,      403,   403),
    "change status":     (LOGIN,   403,   403,     403,      OK,    OK),
    "hide":              (LOGIN,   403,   403,     403,      OK,    OK),
    "publish decision":  (LOGIN,   403,   403,     403,      OK,    OK),
    "manage users":      (LOGIN,   403,   403,     403,      403,   OK),
    "block a patron":    (LOGIN,   403,   403,     403,      OK,    OK),
    "set committee":     (LOGIN,   403,   403,     403,      403,   OK),
    "committee session": (404,     404,   404,     OK,       OK,    OK),
    "staff desk":        (LOGIN,   403,   403,     403,      OK,    OK),
    "audit log":         (LOGIN,   403,   403,     403,      403,   OK),
    "committee admin":   (LOGIN,   403,   403,     403,      403,   OK),
    "failed emails":     (LOGIN,   403,   403,     403,      OK,    OK),
    "retry an email":    (LOGIN,   403,   403,     403,      OK,    OK),
    "retry all emails":  (LOGIN,   403,   403,     403,      OK,    OK),
    "site settings":     (LOGIN,   403,   403,     403,      403,   OK),
    "save settings":     (LOGIN,   403,   403,     403,      403,   OK),
    "categories":        (LOGIN,   403,   403,     403,      403,   OK),
    "rename category":   (LOGIN,   403,   403,     403,      403,   OK),
    "move category":     (LOGIN,   403,   403,     403,      403,   OK),
    "archive category":  (LOGIN,   403,   403,     403,      403,   OK),
    "teams":             (LOGIN,   403,   403,     403,      OK,    OK),
    "team page":         (LOGIN,   403,   403,     403,      OK,    OK),
    "rename team":       (LOGIN,   403,   403,     403,      403,   OK),
    "archive team":      (LOGIN,   403,   403,     403,      403,   OK),
    "correct decision":  (LOGIN,   403,   403,     403,      OK,    OK),
    "triage page":       (LOGIN,   403,   403,     403,      OK,    OK),
    "answer input":      (LOGIN,   403,   403,     403,      OK,    OK),
    "edit criterion":    (LOGIN,   403,   403,     403,      403,   OK),
}  # fmt: skip

CELLS = [
    pytest.param(actor, action, MATRIX[action][i], id=f"{action.replace(' ', '_')}-{actor}")
    for action in MATRIX
    for i, actor in enumerate(ACTORS)
]


def committee_session(engine: Any, staff: User) -> Workshop:
    """A committee-only design session next week, scheduled by staff through the service."""
    start = (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0)
    form = {
        "title": "Committee spring meeting",
        "kind": "committee_meeting",
        "description": "For committee members only.",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",
        "place": "Board room",
        "online_link": "",
        "capacity": "10",
        "audience": "committee",
        "agenda": "",
    }
    with db.write(engine) as s:
        return workshops.schedule(db=s, actor=staff, form=form, default_zone="UTC")


@pytest.fixture
def world(engine, category, patron, other_patron, committee, staff, admin) -> dict[str, Any]:
    """The people (by actor name) and the things they act on."""
    idea = f.idea(engine, patron, category, title="Quiet study room", body="Please")
    comment = f.comment(engine, patron, idea.id, body="A first comment")
    subject = make_user(engine, "patron", name="Sol Subject")
    workshop = committee_session(engine, staff)
    with db.write(engine, shown=False) as s:
        email = EmailOutbox(
            idempotency_key="matrix",
            to_addr=patron.email,
            subject="Your idea is planned",
            body="Hello",
            kind="status",
            status="failed",
            attempts=8,
            last_error="Connection refused",
        )
        s.add(email)
    reading_room = team(engine, admin, "Reading room team")
    decision = publish(engine, staff, title="As it was published")
    criterion = triage_criterion(engine, admin, "Reach", 2)
    with db.write(engine) as s:
        asked = triage.ask_input(
            db=s,
            actor=staff,
            idea_id=idea.id,
            form={"input_team_id": str(reading_room.id), "message": "Please look"},
        )
    return {
        "people": {
            "anonymous": None,
            "author": patron,
            "patron_b": other_patron,
            "committee": committee,
            "staff": staff,
            "admin": admin,
        },
        "ids": {
            "idea": idea.id,
            "comment": comment.id,
            "session": workshop.id,
            "subject": subject.id,
            "subject_email": subject.email,
            "category": category.id,
            "email": email.id,
            "settings": 1,
            "team": reading_room.id,
            "decision": decision.id,
            "criterion": criterion.id,
            "input": asked.id,
        },
    }


def _fill(text: str, ids: dict[str, Any]) -> str:
    return text.format(**ids)


def _request(client, action: Action, ids: dict[str, Any]):  # noqa: ANN001, ANN202
    path = _fill(action.path, ids)
    if action.method == "GET":
        return client.get(path, follow_redirects=False)
    return client.post(path, {k: _fill(v, ids) for k, v in action.data.items()})


@pytest.mark.parametrize(("actor", "name", "expected"), CELLS)
def test_authorization_matrix(client, engine, world, actor, name, expected):
    action = ACTIONS[name]
    person = world["people"][actor]
    if person is not None:
        login_as(client, person)
    model, key = action.row
    row_id = world["ids"][key]
    counts, row = row_counts(engine), fields(engine, model, row_id)

    response = _request(client, action, world["ids"])

    if expected == OK:
        if action.method == "GET":
            assert response.status_code == 200, response.text
            assert action.shows in response.text
            # Reading changes nothing either.
            assert (row_counts(engine), fields(engine, model, row_id)) == (counts, row)
        else:
            assert response.status_code == 303, response.text
            assert not response.headers["location"].startswith("/login")
            assert fields(engine, model, row_id) != row, "an allowed request changed nothing"
        return
    if expected == LOGIN:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    else:
        assert response.status_code == expected, response.text
        assert action.shows == "" or action.shows not in response.text
    assert row_counts(engine) == counts
    assert fields(engine, model, row_id) == row


def test_matrix_covers_every_actor_and_action():
    assert set(MATRIX) == set(ACTIONS)
    assert all(len(outcomes) == len(ACTORS) for outcomes in MATRIX.values())
    # Every guarded action is refused to someone and allowed to someone.
    for name, outcomes in MATRIX.items():
        assert OK in outcomes and any(o != OK for o in outcomes), name


# -- fields a role may not set are ignored ----------------------------------------------------


def test_patron_proposing_cannot_set_status_votes_author_or_origin(
    client, engine, patron, other_patron, category
):
    login_as(client, patron)
    response = client.post(
        "/ideas/new",
        {
            "title": "Lockers for laptops",
            "body": "So we can take a break.",
            "category_id": str(category.id),
            "status": "done",
            "vote_count": "999",
            "comment_count": "50",
            "trending": "1e9",
            "author_id": str(other_patron.id),
            "origin": "library",
            "library_proposal": "1",
            "hidden_at": "2020-01-01T00:00:00",
            "first_response_at": "2020-01-01T00:00:00",
            "duplicate_of_id": "1",
            "id": "4242",
        },
    )
    assert response.status_code == 303
    idea_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert idea_id != 4242
    idea = f.get(engine, Idea, idea_id)
    assert idea.title == "Lockers for laptops"
    assert idea.status == "new"
    assert (idea.vote_count, idea.comment_count) == (0, 0)
    assert f.votes_of(engine, idea_id) == set()  # the author follows; they do not vote
    assert f.followers_of(engine, idea_id) == {patron.id}
    assert idea.author_id == patron.id
    assert idea.origin == "patron"
    assert idea.hidden_at is None and idea.first_response_at is None
    assert idea.duplicate_of_id is None
    assert idea.trending == pytest.approx(weight(idea.created_at))  # not the posted 1e9


def test_staff_may_post_a_library_proposal(client, engine, staff, category):
    # The control for the test above: the same field from staff is honoured.
    login_as(client, staff)
    response = client.post(
        "/ideas/new",
        {
            "title": "Longer loans in summer",
            "body": "Six weeks instead of three.",
            "category_id": str(category.id),
            "library_proposal": "1",
            "status": "done",
        },
    )
    idea = f.get(engine, Idea, int(response.headers["location"].rsplit("/", 1)[1]))
    assert idea.origin == "library" and idea.status == "new"


def test_patron_editing_their_idea_cannot_change_its_status_or_author(
    client, engine, patron, other_patron, category
):
    idea = f.idea(engine, patron, category, title="Quiet study room")
    login_as(client, patron)
    response = client.post(
        f"/ideas/{idea.id}/edit",
        {
            "title": "Quiet study rooms",
            "body": "Two of them, please.",
            "category_id": str(category.id),
            "status": "planned",
            "vote_count": "999",
            "author_id": str(other_patron.id),
            "origin": "library",
            "hidden_at": "2020-01-01T00:00:00",
        },
    )
    assert response.status_code == 303
    after = f.get(engine, Idea, idea.id)
    assert after.title == "Quiet study rooms"  # the edit itself went through
    assert after.status == "new"
    assert after.vote_count == 0
    assert after.author_id == patron.id
    assert after.origin == "patron"
    assert after.hidden_at is None
    assert f.count(engine, Idea) == 1


def test_patron_commenting_cannot_make_it_a_staff_or_official_answer(
    client, engine, patron, other_patron, category
):
    idea = f.idea(engine, other_patron, category)
    login_as(client, patron)
    response = client.post(
        f"/ideas/{idea.id}/comments",
        {
            "body": "I agree.",
            "is_staff": "1",
            "is_official": "1",
            "official": "1",
            "author_id": str(other_patron.id),
        },
    )
    assert response.status_code == 303
    comment = f.get(engine, Comment, int(response.headers["location"].rsplit("-", 1)[1]))
    assert comment.body == "I agree."
    assert (comment.is_staff, comment.is_official) == (False, False)
    assert comment.author_id == patron.id
    assert f.get(engine, Idea, idea.id).first_response_at is None
