"""Whatever a form receives, the portal answers it, never with a 500: arbitrary Unicode (no
surrogates, which UTF-8 cannot carry), very long text (up to 100,000 characters), NUL bytes,
the hostile corpus, fields missing, repeated, or added. Every form and the query strings of
every list and search are tried, as the person who may use them.

Each test makes its people and client once and reuses them across Hypothesis' examples (the
database fills up as it goes, which is part of the point); examples are few per test, so the
file stays quick on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.accounts import passwords
from portal.core import db
from portal.core.clock import utcnow
from portal.notifications.models import KINDS
from portal.notifications.worker import Worker
from portal.workshops import services as workshops
from portal.workshops.routes import FIELDS as SESSION_FIELDS
from tests import factories as f
from tests.conftest import PASSWORD, Client, login_as
from tests.decisions import publish
from tests.security.corpus import CORPUS

EXAMPLES = 40
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example database in the work tree
    # The same examples on every run, so CI cannot turn red by chance; a wider random search
    # is one setting away when hunting for bugs.
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Any character UTF-8 can carry (surrogates cannot be sent).
CHARS = st.characters(blacklist_categories=("Cs",))
SHORT = st.text(alphabet=CHARS, max_size=300)
# Long text, cheaply: a random piece repeated up to 100,000 characters.
LONG = st.builds(
    lambda piece, n: (piece * (100_000 // max(1, len(piece))))[:n],
    st.text(alphabet=CHARS, min_size=1, max_size=40),
    st.integers(min_value=1_000, max_value=100_000),
)
NUL = st.builds(lambda a, b: f"{a}\x00{b}", SHORT, SHORT)
CONTROL = st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=20)
# Digits int() reads but the portal must not (Arabic-Indic, Devanagari, full width,
# superscripts), and numbers it cannot read at all (past 4,300 digits) or the database cannot
# hold (past 2**31 - 1).
OTHER_DIGITS = st.sampled_from(["٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "０１２３４５６７８９", "⁰¹²³⁴⁵⁶⁷⁸⁹"])
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=0, max_value=2**31).flatmap(
        lambda n: OTHER_DIGITS.map(
            lambda digits: str(n).translate(str.maketrans("0123456789", digits))
        )
    ),
    st.integers(min_value=4_000, max_value=6_000).map(lambda n: "1" * n),
    st.sampled_from(
        [
            "0",
            "-1",
            "1e9",
            "2147483648",
            "99999999999999999999",
            "9" * 40,
            "1.5",
            " 1 ",
            "0x10",
            "NaN",
            "1_000",
            "+1",
            "²",
        ]
    ),
)
HOSTILE = st.one_of(SHORT, LONG, NUL, CONTROL, NUMBERS, st.sampled_from(CORPUS))
VALUE = st.one_of(HOSTILE, st.lists(HOSTILE, min_size=2, max_size=3))  # a repeated field
EXTRA = st.dictionaries(
    st.text(alphabet=CHARS, min_size=1, max_size=20).filter(lambda k: k != "csrf_token"),
    st.one_of(SHORT, NUL),
    max_size=3,
)


def form(*names: str, sometimes: dict[str, st.SearchStrategy[Any]] | None = None) -> Any:
    """A form with any of `names` (each hostile or missing), some plausible values for the
    fields in `sometimes`, and a few fields no form has."""
    fields = {name: VALUE for name in names}
    for name, plausible in (sometimes or {}).items():
        fields[name] = st.one_of(plausible, VALUE)
    return st.builds(
        lambda chosen, extra: {**extra, **chosen},
        st.fixed_dictionaries({}, optional=fields),
        EXTRA,
    )


def query(*names: str, sometimes: dict[str, st.SearchStrategy[Any]] | None = None) -> Any:
    """A query string with any of `names`, hostile or missing (no list values, so a value
    stays under the length a URL may have)."""
    fields = {
        name: st.one_of(SHORT, NUL, CONTROL, NUMBERS, st.sampled_from(CORPUS)) for name in names
    }
    for name, plausible in (sometimes or {}).items():
        if name in fields:
            fields[name] = st.one_of(plausible, fields[name])
    return st.fixed_dictionaries({}, optional=fields)


@pytest.fixture(autouse=True)
def generous_limits(app: Any) -> None:
    """Rate limits would turn most examples into 429s; they are tested elsewhere."""
    app.state.rate_counter.factor = 1000


def answered(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}\n{response.text[:600]}"


def signed_in(app: Any, user: Any) -> Client:
    client = Client(app, base_url="http://testserver")
    login_as(client, user)
    return client


# -- accounts ------------------------------------------------------------------------------


def test_sign_up_never_fails(client) -> None:
    @SETTINGS
    @given(
        data=form(
            "email",
            "display_name",
            "password",
            "next",
            sometimes={"email": st.emails().map(str), "password": st.just(PASSWORD)},
        )
    )
    def check(data: dict) -> None:
        answered(client.post("/signup", data), f"sign-up {data!r:.300}")

    check()


def test_sign_in_never_fails(client, patron, monkeypatch) -> None:
    # An unknown email is checked against a dummy hash made at production cost when the
    # module loaded; the tests' cheap hasher makes it as cheap as every other hash here.
    monkeypatch.setattr(passwords, "_DUMMY", passwords.hash_password("dummy"))

    @SETTINGS
    @given(
        data=form(
            "email",
            "password",
            "next",
            sometimes={"email": st.just(patron.email), "password": st.just(PASSWORD)},
        )
    )
    def check(data: dict) -> None:
        answered(client.post("/login", data), f"sign-in {data!r:.300}")

    check()


# -- ideas, comments, status -------------------------------------------------------------


def test_new_and_edited_ideas_never_fail(app, engine, patron, staff, category) -> None:
    idea = f.idea(engine, patron, category)
    author, librarian = signed_in(app, patron), signed_in(app, staff)
    ids = st.sampled_from([str(category.id), "0", "", str(2**31)])

    @SETTINGS
    @given(
        data=form(
            "title",
            "body",
            "category_id",
            "library_proposal",
            sometimes={"category_id": ids, "title": st.just("A fine title")},
        ),
        edit=st.booleans(),
        who=st.booleans(),
    )
    def check(data: dict, edit: bool, who: bool) -> None:
        if edit:
            answered(author.post(f"/ideas/{idea.id}/edit", data), f"edit {data!r:.300}")
        else:
            person = librarian if who else author
            answered(person.post("/ideas/new", data), f"new idea {data!r:.300}")

    with author, librarian:
        check()


def test_comments_and_replies_never_fail(app, engine, patron, other_patron, category) -> None:
    idea = f.idea(engine, patron, category)
    first = f.comment(engine, other_patron, idea.id)
    commenter = signed_in(app, other_patron)

    @SETTINGS
    @given(
        data=form("body", "parent_id", sometimes={"parent_id": st.just(str(first.id))}),
        edit=st.booleans(),
    )
    def check(data: dict, edit: bool) -> None:
        url = f"/comments/{first.id}/edit" if edit else f"/ideas/{idea.id}/comments"
        answered(commenter.post(url, data), f"{url} {data!r:.300}")

    with commenter:
        check()
        answered(commenter.get(f"/ideas/{idea.id}"), "the idea page after it all")


def test_status_changes_never_fail(app, engine, patron, staff, category) -> None:
    idea = f.idea(engine, patron, category)
    other = f.idea(engine, patron, category, title="Another idea")
    librarian = signed_in(app, staff)
    statuses = st.sampled_from(
        ["new", "under_review", "planned", "piloting", "done", "declined", "duplicate"]
    )

    @SETTINGS
    @given(
        data=form(
            "status",
            "response",
            "duplicate_of",
            sometimes={"status": statuses, "duplicate_of": st.just(str(other.id))},
        )
    )
    def check(data: dict) -> None:
        answered(librarian.post(f"/ideas/{idea.id}/status", data), f"status {data!r:.300}")

    with librarian:
        check()
        answered(librarian.get(f"/ideas/{idea.id}"), "the idea page after it all")


# -- decisions and follow-ups -----------------------------------------------------------


def test_publishing_decisions_never_fails(app, engine, patron, staff, category) -> None:
    idea = f.idea(engine, patron, category)
    librarian = signed_in(app, staff)
    dates = st.dates().map(str)

    @SETTINGS
    @given(
        data=form(
            "title",
            "you_said",
            "we_did",
            "outcome",
            "reason",
            "team",
            "ideas",
            "sessions",
            "move_status",
            "adopted_status",
            "pilot_start",
            "pilot_end",
            "review_date",
            sometimes={
                "outcome": st.sampled_from(["adopted", "piloting", "declined", "deferred"]),
                "ideas": st.just(str(idea.id)),
                "pilot_start": dates,
                "pilot_end": dates,
                "review_date": dates,
                "title": st.just("A decision"),
                "you_said": st.just("x"),
                "we_did": st.just("y"),
                "move_status": st.just("1"),
            },
        )
    )
    def check(data: dict) -> None:
        answered(librarian.post("/staff/decisions/new", data), f"decision {data!r:.300}")

    with librarian:
        check()
        for url in ("/you-said-we-did", "/feeds/decisions.atom", "/api/v1/decisions", "/staff"):
            answered(librarian.get(url), url)


def test_follow_up_answers_never_fail(app, engine, settings, patron, staff, category) -> None:
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, [idea.id])
    worker = Worker(settings, engine)
    while worker.fan_out_one():
        pass
    voter = signed_in(app, patron)

    @SETTINGS
    @given(data=form("rating", "comment", sometimes={"rating": st.sampled_from("12345")}))
    def check(data: dict) -> None:
        url = f"/you-said-we-did/{decision.id}/follow-up"
        answered(voter.post(url, data), f"follow-up {data!r:.300}")

    with voter:
        check()
        answered(voter.get(f"/you-said-we-did/{decision.id}"), "the decision page")


# -- design sessions ---------------------------------------------------------------------


def _session(engine: Any, staff: Any, **fields: str) -> Any:
    start = utcnow() + timedelta(days=3)
    form = {
        "title": "A workshop",
        "description": "",
        "kind": "workshop",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",
        "place": "Room 1",
        "capacity": "2",
        "audience": "public",
        **fields,
    }
    with db.write(engine) as s:
        return workshops.schedule(db=s, actor=staff, form=form, default_zone="UTC")


# Any moment, the calendar's first and last days most of all (strftime would not pad year 1
# to four digits, and the form would refuse it before any arithmetic), in any form the field
# might carry: minutes, seconds, an offset of its own.
EDGE_DAYS = st.sampled_from(
    [datetime(1, 1, 1), datetime(1, 1, 2), datetime(9999, 12, 30), datetime(9999, 12, 31)]
)
MOMENT = st.builds(
    lambda day, time, offset: f"{day.year:04d}-{day:%m-%d}T{time:%H:%M:%S}{offset}",
    st.one_of(EDGE_DAYS, st.datetimes()),
    st.times(),
    st.sampled_from(["", "+14:00", "-12:00", "Z"]),
)
FAR_ZONES = ["Pacific/Kiritimati", "Etc/GMT-14", "Asia/Tokyo", "Etc/GMT+12", "Pacific/Pago_Pago"]


def test_scheduling_sessions_never_fails(app, engine, staff) -> None:
    existing = _session(engine, staff)
    librarian = signed_in(app, staff)
    moment = MOMENT

    @SETTINGS
    @given(
        data=form(
            *SESSION_FIELDS,
            "action",
            sometimes={
                "kind": st.sampled_from(["workshop", "focus_group", "committee_meeting"]),
                "audience": st.sampled_from(["public", "committee"]),
                "starts_at": moment,
                "ends_at": moment,
                "capacity": st.just("3"),
                "timezone": st.sampled_from(["UTC", "Europe/London", "../x", *FAR_ZONES]),
                "title": st.just("Workshop"),
                "place": st.just("Room 2"),
                "action": st.just("top_ideas"),
            },
        ),
        where=st.sampled_from(["new", "edit", "notes"]),
    )
    def check(data: dict, where: str) -> None:
        url = {
            "new": "/staff/sessions/new",
            "edit": f"/sessions/{existing.id}/edit",
            "notes": f"/sessions/{existing.id}/notes",
        }[where]
        if where == "notes":
            data = {"notes": data.get("title", ""), "outcomes": data.get("description", ""), **data}
        answered(librarian.post(url, data), f"{url} {data!r:.300}")

    with librarian:
        check()
        for url in (
            "/sessions",
            "/sessions?when=past",
            f"/sessions/{existing.id}",
            f"/sessions/{existing.id}.ics",
            f"/sessions/{existing.id}/edit",
            "/api/v1/sessions",
            "/api/v1/sessions?when=past",
            "/sessions.ics",
        ):
            answered(librarian.get(url), url)


@pytest.mark.parametrize("library_zone", ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_session_times_never_fail(app, engine, staff, library_zone) -> None:
    """The times alone, the rest of the form valid: any moment in any zone is stored or named
    beside its field, and whatever was stored can be shown, in the library's zone too."""
    app.state.settings = dataclasses.replace(app.state.settings, timezone=library_zone)
    existing = _session(engine, staff)
    librarian = signed_in(app, staff)
    zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", *FAR_ZONES])

    @SETTINGS
    @given(starts=MOMENT, ends=MOMENT, zone=zones, edit=st.booleans())
    def check(starts: str, ends: str, zone: str, edit: bool) -> None:
        data = {
            "title": "Workshop",
            "kind": "workshop",
            "audience": "public",
            "place": "Room 2",
            "capacity": "3",
            "timezone": zone,
            "starts_at": starts,
            "ends_at": ends,
        }
        url = f"/sessions/{existing.id}/edit" if edit else "/staff/sessions/new"
        response = librarian.post(url, data)
        answered(response, f"{url} {data!r:.300}")
        if response.status_code == 303:
            for shown in (response.headers["location"], "/sessions.ics", "/sessions?when=past"):
                answered(librarian.get(shown), shown)

    with librarian:
        check()
        answered(librarian.get(f"/sessions/{existing.id}.ics"), "the calendar file")


def test_attendance_never_fails(app, engine, staff, patron, other_patron) -> None:
    session = _session(engine, staff, capacity="5")
    for person in (patron, other_patron):
        with db.write(engine) as s:
            workshops.register(db=s, actor=person, workshop_id=session.id)
    librarian = signed_in(app, staff)
    ids = st.sampled_from([str(patron.id), str(other_patron.id), str(staff.id)])

    @SETTINGS
    @given(data=form("attended", sometimes={"attended": st.lists(ids, max_size=3)}))
    def check(data: dict) -> None:
        url = f"/sessions/{session.id}/attendance"
        answered(librarian.post(url, data), f"{url} {data!r:.300}")

    with librarian:
        check()
        answered(librarian.get(f"/sessions/{session.id}"), "the session page")


def test_registrations_never_fail(app, engine, staff, patron) -> None:
    session = _session(engine, staff, capacity="1")
    person = signed_in(app, patron)

    @SETTINGS
    @given(data=form("access_needs"), cancel=st.booleans())
    def check(data: dict, cancel: bool) -> None:
        url = f"/sessions/{session.id}/{'unregister' if cancel else 'register'}"
        answered(person.post(url, data), f"{url} {data!r:.300}")

    with person:
        check()


# -- moderation, notifications and the smaller forms --------------------------------------


def test_reports_and_moderation_never_fail(
    app, engine, patron, other_patron, staff, category
) -> None:
    idea = f.idea(engine, patron, category)
    comment = f.comment(engine, patron, idea.id)
    reporter, librarian = signed_in(app, other_patron), signed_in(app, staff)
    targets = st.sampled_from(["idea", "comment", "user", ""])
    target_ids = st.sampled_from([str(idea.id), str(comment.id), "0", str(2**40)])

    @SETTINGS
    @given(
        data=form(
            "target_type",
            "target_id",
            "reason",
            "next",
            sometimes={"target_type": targets, "target_id": target_ids},
        ),
        action=st.sampled_from(["report", "hide", "restore", "dismiss", "block"]),
    )
    def check(data: dict, action: str) -> None:
        if action == "report":
            answered(reporter.post("/report", data), f"report {data!r:.300}")
        elif action == "block":
            data = {**data, "action": data.get("target_type", "block")}
            url = f"/staff/users/{other_patron.id}"
            answered(librarian.post(url, data), f"{url} {data!r:.300}")
        else:
            url = f"/staff/moderation/{action}"
            answered(librarian.post(url, data), f"{url} {data!r:.300}")

    with reporter, librarian:
        check()
        answered(librarian.get("/staff"), "the staff desk")


def test_notification_settings_never_fail(app, patron) -> None:
    person = signed_in(app, patron)
    modes = st.sampled_from(["immediate", "digest", "off"])

    @SETTINGS
    @given(data=form(*[f"mode-{k}" for k in KINDS], sometimes={f"mode-{k}": modes for k in KINDS}))
    def check(data: dict) -> None:
        answered(person.post("/notifications/settings", data), f"settings {data!r:.300}")

    with person:
        check()


def test_the_other_forms_never_fail(app, engine, patron, admin, category) -> None:
    idea = f.idea(engine, patron, category)
    person, boss = signed_in(app, patron), signed_in(app, admin)
    urls = st.sampled_from(
        [
            ("person", f"/ideas/{idea.id}/vote"),
            ("person", f"/ideas/{idea.id}/follow"),
            ("person", "/language"),
            ("person", "/notifications/1/read"),
            ("boss", "/staff/committee"),
            ("boss", f"/staff/users/{patron.id}"),
        ]
    )

    @SETTINGS
    @given(
        target=urls,
        data=form(
            "action",
            "next",
            "lang",
            "email",
            "until",
            "listed",
            "role",
            "reason",
            sometimes={
                "action": st.sampled_from(["add", "remove", "role", "block"]),
                "email": st.just(patron.email),
                "role": st.sampled_from(["patron", "staff", "x"]),
            },
        ),
        htmx=st.booleans(),
    )
    def check(target: tuple[str, str], data: dict, htmx: bool) -> None:
        who, url = target
        client = boss if who == "boss" else person
        headers = {"HX-Request": "true"} if htmx else {}
        answered(client.post(url, data, headers=headers), f"{url} {data!r:.300}")

    with person, boss:
        check()
        # Last, and once: deleting the account with a wrong or right password.
        answered(person.post("/account/delete", {"password": "\x00", "confirm": "\x00"}), "delete")


# -- query strings: search, filters, pages -------------------------------------------------


@pytest.mark.parametrize("page", ["9" * 40, "-" + "9" * 40, "2147483648", "0", "x"])
def test_pages_beyond_any_row_never_fail(app, patron, page: str) -> None:
    """A page number far past the end is an empty page, not an overflow in the database."""
    with signed_in(app, patron) as person:
        for path in ("/ideas", "/api/v1/ideas", "/you-said-we-did", "/sessions", "/notifications"):
            answered(person.get(f"{path}?page={page}"), f"{path}?page={page}")


def test_addresses_with_any_number_never_fail(app, engine, patron, staff, category) -> None:
    idea = f.idea(engine, patron, category)
    librarian = signed_in(app, staff)
    paths = st.sampled_from(
        [
            ("GET", "/ideas/{}"),
            ("GET", "/ideas/{}/edit"),
            ("GET", "/sessions/{}"),
            ("GET", "/sessions/{}.ics"),
            ("GET", "/you-said-we-did/{}"),
            ("GET", "/comments/{}"),
            ("GET", "/api/v1/ideas/{}"),
            ("POST", "/ideas/{}/vote"),
            ("POST", "/sessions/{}/attendance"),
            ("POST", "/notifications/{}/read"),
            ("POST", "/staff/users/{}"),
        ]
    )

    @SETTINGS
    @given(target=paths, n=st.one_of(NUMBERS, st.just(str(idea.id))))
    def check(target: tuple[str, str], n: str) -> None:
        method, path = target
        url = path.format(quote(n, safe=""))
        answered(
            librarian.request(method, url) if method == "GET" else librarian.post(url), url[:300]
        )

    with librarian:
        check()


def test_search_filters_and_pages_never_fail(app, engine, patron, staff, category) -> None:
    for n in range(3):
        f.idea(engine, patron, category, title=f"Idea number {n}")
    visitor = Client(app, base_url="http://testserver")
    librarian = signed_in(app, staff)
    pages = st.one_of(NUMBERS, st.integers(-5, 20_000).map(str))
    urls = st.sampled_from(
        [
            ("visitor", "/ideas", ("q", "sort", "status", "category", "origin", "page")),
            ("visitor", "/ideas/similar", ("title",)),
            ("visitor", "/api/v1/ideas", ("q", "sort", "status", "category", "origin", "page")),
            ("visitor", "/you-said-we-did", ("outcome", "page")),
            ("visitor", "/sessions", ("when", "page")),
            ("visitor", "/api/v1/sessions", ("when",)),
            ("visitor", "/sessions.ics", ("token",)),
            ("visitor", "/login", ("next",)),
            ("visitor", "/signup", ("next",)),
            ("librarian", "/ideas/new", ("title",)),
            ("librarian", "/staff/users", ("q", "page")),
            ("librarian", "/staff/decisions/new", ("ideas",)),
            ("librarian", "/notifications", ("page",)),
            ("librarian", "/staff/audit", ("page",)),
        ]
    )

    @SETTINGS
    @given(target=urls, data=st.data(), htmx=st.booleans())
    def check(target: tuple[str, str, tuple[str, ...]], data: Any, htmx: bool) -> None:
        who, path, names = target
        params = data.draw(query(*names, sometimes={"page": pages}))
        client = librarian if who == "librarian" else visitor
        url = f"{path}?{urlencode(params)}"
        headers = {"HX-Request": "true"} if htmx else {}
        answered(client.get(url, headers=headers), url[:300])

    with visitor, librarian:
        check()
