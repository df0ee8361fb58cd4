"""`portal seed-demo`: a living demo built through the real services, so every counter and
history entry is what real use would have written."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.comments import services as comments
from portal.core import db
from portal.core.clock import utcnow
from portal.decisions import services as decisions
from portal.decisions.models import Decision
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.ideas.models import Category, Idea
from portal.ideas.trending import weight
from portal.teams import services as teams
from portal.tools import demo_assessment, demo_choices, demo_outputs
from portal.tools.demo_pilots import seed_pilot
from portal.votes import services as votes
from portal.workshops import services as workshops
from portal.workshops.models import Registration, Workshop

CATEGORIES = [
    ("spaces", "Spaces and study rooms", "空间与自习室"),
    ("collections", "Collections", "馆藏"),
    ("opening-hours", "Opening hours", "开放时间"),
    ("digital", "Digital services", "数字服务"),
    ("events", "Events and workshops", "活动与讲座"),
    ("accessibility", "Accessibility", "无障碍"),
    ("research", "Research support", "科研支持"),
]

TEAMS = [
    ("Public services", "读者服务部", "The help desk, loans and opening hours.", "staff"),
    ("Technical services", "技术服务部", "Buying, cataloguing and preparing the collections.", ""),
    ("Digital services", "数字服务部", "The website, e-resources and computers.", "admin"),
    ("Spaces", "空间与设施", "Study rooms, furniture and the building.", "staff"),
]

IDEAS = [
    (
        "spaces",
        "More silent study spaces during exam weeks",
        "The silent floor is full by 9 am in exam weeks. Could group rooms become silent study "
        "space for those weeks?",
    ),
    (
        "opening-hours",
        "Open until midnight during exams",
        "Many of us study late. Staying open until midnight for the last three weeks of term "
        "would help a lot.",
    ),
    ("digital", "Renew loans by text message", "A reply to the reminder text could renew a loan."),
    (
        "collections",
        "More graphic novels in Chinese",
        "The graphic novel shelf is popular, but there is almost nothing in Chinese.",
    ),
    (
        "accessibility",
        "Height-adjustable desks on every floor",
        "Wheelchair users can only use two desks on the ground floor.",
    ),
    (
        "events",
        "Monthly repair café",
        "Bring broken things, fix them with volunteers. Other "
        "libraries do this with great success.",
    ),
    (
        "digital",
        "Self-service laptop lockers",
        "Borrow a laptop for the day without queuing at the desk.",
    ),
    (
        "spaces",
        "Bookable rooms for online interviews",
        "Small soundproof rooms for job interviews and video calls.",
    ),
    (
        "research",
        "Drop-in help with reference managers",
        "A weekly hour where someone helps with Zotero and citation styles.",
    ),
    ("collections", "Seed library", "Lend seeds in spring and collect them back in autumn."),
    (
        "accessibility",
        "Large-print signs at the entrance",
        "The floor plan at the entrance is hard to read for people with low vision.",
    ),
    ("events", "Coding club for teenagers", "A Saturday morning club for 12 to 16 year olds."),
    ("digital", "Dark mode for the catalogue", "The catalogue is very bright at night."),
    ("spaces", "Water fountains on the upper floors", "Only the ground floor has drinking water."),
    (
        "opening-hours",
        "Sunday opening for the children's floor",
        "Families have time on Sundays; the children's floor is closed then.",
    ),
    (
        "research",
        "Data management plan clinic",
        "Funders ask for data management plans; help writing them would save researchers days.",
    ),
    ("collections", "Board games to borrow", "Let people borrow board games like books."),
    (
        "digital",
        "Print from your phone",
        "Send a document to the printers without a library computer.",
    ),
    (
        "accessibility",
        "Quiet hour with dimmed lights",
        "An hour a day with less noise and light, for autistic visitors and anyone who needs calm.",
    ),
    ("events", "Author talks recorded as podcasts", "Not everyone can come in the evening."),
    ("spaces", "More power sockets in the reading room", "Half of the desks have no socket."),
    (
        "collections",
        "E-books in simplified Chinese",
        "Our e-book platform has few titles in simplified Chinese.",
    ),
    ("opening-hours", "Open the café earlier", "The café opens at 10 but the library at 8."),
    (
        "digital",
        "Room booking in the app",
        "Booking a group room needs the website; the app would be quicker.",
    ),
    (
        "research",
        "Open access publishing advice",
        "Who pays, which journals, which licences: a single page would help.",
    ),
    ("events", "Language exchange evenings", "Meet people who speak the language you learn."),
    (
        "accessibility",
        "Screen reader on the public computers",
        "Install NVDA on at least some of the public computers.",
    ),
    ("spaces", "Standing desks near the windows", "Good for long study days."),
    (
        "collections",
        "Local history photo archive online",
        "Digitise the photo boxes in the local history room.",
    ),
    (
        "digital",
        "Reading lists linked from the course pages",
        "Every course page could link straight to its reading list.",
    ),
    (
        "events",
        "Study skills week in September",
        "Workshops for new students on finding and using sources.",
    ),
    ("spaces", "Lockers for personal belongings", "Somewhere safe to leave a bag over lunch."),
    ("opening-hours", "Staffed desk at lunchtime", "The help desk is often closed from 12 to 1."),
    (
        "accessibility",
        "Hearing loop at the main desk",
        "A hearing loop would help people with hearing aids.",
    ),
    ("collections", "Audiobooks for commuters", "More audiobooks on the lending app."),
    (
        "research",
        "Systematic review support",
        "Help with search strategies for systematic reviews.",
    ),
    ("digital", "Single sign-on for all databases", "Every database asks for a different login."),
    (
        "events",
        "Family storytime in several languages",
        "Storytime in Mandarin, Arabic and Polish as well as English.",
    ),
    ("spaces", "Outdoor reading garden", "The courtyard could have benches and shade."),
    ("collections", "Lend musical instruments", "Ukuleles and keyboards to borrow for a month."),
]

COMMENTS = [
    "Yes please, this would make a real difference for me.",
    "I agree. It would be good to try it for one term first and see how it goes.",
    "Could this work at the branch libraries too?",
    "I use the library every day and this is the thing I miss most.",
    "Good idea, but please keep some space for group work as well.",
]


def seed_demo(
    engine: Engine, *, password: str | None = None, only_if_empty: bool = False
) -> str | None:
    """Create categories, teams, demo accounts, about 40 ideas with votes, comments and status
    changes. Returns the demo accounts' password, or None when data exists and only_if_empty."""
    rng = random.Random(20261129)
    password = password or "demo-" + secrets.token_urlsafe(9)
    shared_hash = hash_password(password)
    with db.write(engine) as s:
        if only_if_empty and s.execute(select(func.count()).select_from(Idea)).scalar_one():
            return None
        cats = {}
        for pos, (slug, name, name_zh) in enumerate(CATEGORIES):
            cat = s.execute(select(Category).where(col(Category.slug) == slug)).scalar_one_or_none()
            if cat is None:
                cat = Category(slug=slug, name=name, name_zh=name_zh, position=pos)
                s.add(cat)
                s.flush()
            cats[slug] = cat
        people = {}
        for role, name in [
            ("patron", "Pat Reader"),
            ("committee", "Chen Wei"),
            ("staff", "Sam Librarian"),
            ("admin", "Ada Admin"),
        ]:
            people[role] = accounts.create_user(
                db=s,
                email=f"{role}@example.org",
                display_name=name,
                password=password,
                role=role,
                password_hash=shared_hash,
            )
        crowd = [
            accounts.create_user(
                db=s,
                email=f"reader{i}@example.org",
                display_name=f"Reader {i}",
                password=password,
                password_hash=shared_hash,
            )
            for i in range(1, 25)
        ]
        staff = people["staff"]
        team_ids = {}
        for name, name_zh, description, member in TEAMS:
            team = teams.add(
                db=s,
                actor=people["admin"],
                form={"name": name, "name_zh": name_zh, "description": description},
            )
            team_ids[name] = team.id
            if member:
                teams.add_member(
                    db=s, actor=people["admin"], team_id=team.id, email=people[member].email
                )
        authors = [people["patron"], people["committee"], *crowd]
        for n, (slug, title, body) in enumerate(IDEAS):
            author = staff if n % 9 == 4 else rng.choice(authors)
            idea = ideas.propose(
                db=s,
                actor=author,
                title=title,
                body=body,
                category_id=cats[slug].id,
                library_proposal=author is staff,
            )
            days_ago = len(IDEAS) - n + rng.randint(0, 20)
            created = idea.created_at - timedelta(days=days_ago)
            # Backdated with the weight its creation adds to trending (no votes yet).
            s.execute(
                update(Idea)
                .where(col(Idea.id) == idea.id)
                .values(created_at=created, trending=weight(created))
            )
            backers = rng.sample(
                [people["patron"], people["committee"], *crowd],
                k=int(rng.paretovariate(1.3) * 2) % 26,
            )
            for person in backers:
                votes.vote(db=s, actor=person, idea_id=idea.id)
            for text_ in rng.sample(COMMENTS, k=rng.randint(0, 3)):
                c = comments.add(db=s, actor=rng.choice(crowd), idea_id=idea.id, body=text_)
                if rng.random() < 0.3:
                    comments.add(
                        db=s,
                        actor=staff,
                        idea_id=idea.id,
                        parent_id=c.id,
                        body="Thank you, we are looking into this with the team.",
                    )
            if n % 4 == 0:
                status = rng.choice(["under_review", "planned", "piloting", "done", "declined"])
                ideas.change_status(
                    db=s,
                    actor=staff,
                    idea_id=idea.id,
                    status=status,
                    response=f"We have read every comment. Status: {status.replace('_', ' ')}.",
                )
        pilot = _sessions_and_decisions(s, staff, people, crowd, team_ids["Public services"])
        assert pilot.pilot_start and pilot.pilot_end
        assessment = demo_assessment.seed(
            s,
            rng,
            staff=staff,
            people=[people["patron"], people["committee"], *crowd],
            password=password,
            password_hash=shared_hash,
            pilot_start=pilot.pilot_start,
            pilot_end=pilot.pilot_end,
            decision_id=pilot.id,
            category_id=cats["opening-hours"].id,
        )
        seed_pilot(
            s,
            staff,
            [people["patron"], *crowd[11:23]],
            baseline_round_id=assessment.baseline_round_id,
            followup_round_id=assessment.follow_up_round_id,
        )
        group_study = ideas_q.similar(s, "Standing desks near the windows", limit=1)
        if group_study:
            readers = [people["patron"], people["committee"], *crowd]
            floor = demo_outputs.seed(s, staff, crowd[:11], group_study[0].id, cats["spaces"].id)
            demo_choices.seed(s, staff, readers, group_study[0].id, workshop_id=floor)
    return password


def _sessions_and_decisions(
    s: Session, staff: User, people: dict[str, User], crowd: list[User], team_id: int
) -> Decision:
    """Design sessions (upcoming, committee-only, and a past one with notes and attendance)
    and a decision that draws on the past one: a pilot that has run, with its review to come
    (the demo's surveys measure before and after it)."""
    top = [i.id for i in ideas_q.top_open(s, 5)]
    start = utcnow().replace(hour=17, minute=0, second=0, microsecond=0)
    workshop = workshops.schedule(
        db=s,
        actor=staff,
        default_zone="UTC",
        form={
            "title": "Study spaces workshop",
            "kind": "workshop",
            "audience": "public",
            "description": "Help us redesign the study floors. Bring your ideas; we bring coffee.",
            "starts_at": (start + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(days=9, hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "timezone": "UTC",
            "place": "Main library, room 2.14",
            "online_link": "",
            "capacity": "12",
            "agenda": ", ".join(map(str, top)),
        },
    )
    for person in [people["patron"], *crowd[:5]]:
        workshops.register(db=s, actor=person, workshop_id=workshop.id)
    workshops.schedule(
        db=s,
        actor=staff,
        default_zone="UTC",
        form={
            "title": "Advisory committee: spring meeting",
            "kind": "committee_meeting",
            "audience": "committee",
            "description": "Review of the pilots and next term's plans.",
            "starts_at": (start + timedelta(days=16)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(days=16, hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "timezone": "UTC",
            "place": "Board room",
            "online_link": "https://meet.example.org/c",
            "capacity": "10",
            "agenda": "",
        },
    )
    past = Workshop(
        title="Focus group: opening hours",
        kind="focus_group",
        audience="public",
        description="What hours would suit you?",
        timezone="UTC",
        place="Café",
        starts_at=start - timedelta(days=20),
        ends_at=start - timedelta(days=20) + timedelta(hours=1),
        capacity=8,
        created_by=staff.id,
        notes="Eight people came. Evenings in exam weeks matter most.",
        outcomes="Pilot longer opening hours in the next exam period.",
        notes_published_at=start - timedelta(days=19),
    )
    s.add(past)
    s.flush()
    for person in crowd[5:11]:
        s.add(
            Registration(workshop_id=past.id, user_id=person.id, status="confirmed", attended=True)
        )
    hours = ideas_q.similar(s, "Open until midnight during exams", limit=1)
    return decisions.publish(
        db=s,
        actor=staff,
        form={
            "title": "Longer opening hours in exam weeks",
            "outcome": "piloting",
            "you_said": "Many of you asked us to stay open late while you prepare for exams.",
            "we_did": "We will open until midnight for the three weeks before exams, as a pilot.",
            "move_status": "1",
            "pilot_start": (start - timedelta(days=42)).date().isoformat(),
            "pilot_end": (start - timedelta(days=21)).date().isoformat(),
            "review_date": (start + timedelta(days=7)).date().isoformat(),
            "ideas": ", ".join(str(i.id) for i in hours),
            "sessions": str(past.id),
        },
        teams=[str(team_id)],
    )
