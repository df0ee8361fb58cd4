"""What the bot answers: one function that takes a chat message from a sender on a platform
and returns the reply, shared by the Matrix bot and the webhook, so both know the same commands
and the same linking.

Commands, in English or Chinese: "link CODE" (绑定), "idea: TITLE" (想法：), "vote 123" (投票),
"status 123" (状态), "help" (帮助). The reply is in the linked person's language; to someone not
linked yet, in the language of the words they used. Proposing and voting go through the ideas and
votes services and count against the same rate limits as on the site."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine

from portal.accounts.models import User
from portal.core import db, i18n
from portal.core.errors import Forbidden, NotFound, Unconfirmed, ValidationError
from portal.core.i18n import _, ngettext
from portal.core.ratelimit.limits import Counter
from portal.core.ratelimit.windows import RateLimited
from portal.ideas import permissions as ideas_permissions
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.ideas.labels import status_label
from portal.messaging import queries, services
from portal.messaging.models import MATRIX
from portal.settings import Settings
from portal.votes import services as votes
from portal.web.urls import path_for

VERBS = {
    "help": "help",
    "帮助": "help",
    "link": "link",
    "绑定": "link",
    "vote": "vote",
    "投票": "vote",
    "status": "status",
    "状态": "status",
    "idea": "idea",
    "想法": "idea",
    "建议": "idea",
}
IDEA = re.compile(r"^\s*(idea|想法|建议)\s*[:：]\s*(.*)$", re.IGNORECASE | re.DOTALL)
WORD = re.compile(
    r"^\s*(help|帮助|link|绑定|vote|投票|status|状态)\s*[:：]?\s*#?(.*)$", re.I | re.S
)
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
TEXT_MAX = 10_000


@dataclass(frozen=True)
class Chat:
    """What answering needs: the database, the settings (secret key, site address) and the
    rate-limit counter of the process that runs the bot or serves the webhook."""

    engine: Engine
    settings: Settings
    counter: Counter


@dataclass(frozen=True)
class Command:
    verb: str  # help | link | vote | status | idea | unknown
    argument: str
    locale: str  # the language of the words used, for someone not linked yet


def parse(text: str) -> Command:
    """The command in a message (verb "unknown" when there is none)."""
    text = (text or "")[:TEXT_MAX].replace("\r\n", "\n").strip()
    locale = "zh_Hans" if CJK.search(text) else "en"
    found = IDEA.match(text) or WORD.match(text)
    if found is None:
        return Command("unknown", "", locale)
    return Command(VERBS[found.group(1).lower()], found.group(2).strip(), locale)


def answer(chat: Chat, *, platform: str, address: str, text: str, room: str = "") -> str:
    """The reply to one message from `address` on `platform`. On Matrix, `room` is the room of
    two where the bot talks with them (their notifications go there), or "" for a shared one."""
    command = parse(text)
    with db.read(chat.engine) as s:
        found = queries.sender(s, platform, address)
    locale = (found[1].locale if found else None) or command.locale
    token = i18n.set_locale(locale)
    try:
        if command.verb == "help":
            return help_text(chat)
        if command.verb == "link":
            return _link(chat, platform, address, command.argument, room)
        if command.verb == "unknown":
            return _("Sorry, I did not understand that.") + "\n\n" + help_text(chat)
        if found is None:
            return not_linked(chat)
        link, user = found
        if room and link.room != room:
            with db.write(chat.engine, shown=False) as s:
                services.set_room(s, link.id, room)
        return _act(chat, command, user)
    finally:
        i18n._current.reset(token)


def help_text(chat: Chat) -> str:
    return "\n".join(
        [
            _("I can take your ideas and votes for %(site)s.", site=chat.settings.site_name),
            _("idea: TITLE (a new line for a longer description) - propose an idea"),
            _("vote 123 - vote for idea 123"),
            _("status 123 - where idea 123 stands"),
            _(
                "link CODE - link your account, with the code from your account page: %(url)s",
                url=chat.settings.base_url + path_for("accounts:account"),
            ),
            _("help - this list"),
        ]
    )


def not_linked(chat: Chat) -> str:
    return _(
        "First link your account: get a code on %(url)s and send it to me as: link CODE",
        url=chat.settings.base_url + path_for("accounts:account"),
    )


def _link(chat: Chat, platform: str, address: str, code: str, room: str) -> str:
    if platform == MATRIX and not room:
        return _("Send me this in a chat of your own with me, where your notifications can go.")
    try:
        # Codes are short: every attempt from a sender counts, right or wrong.
        chat.counter.hit("message-link", f"{platform}:{address}")
        with db.write(chat.engine, shown=False) as s:
            user = services.link(
                db=s,
                platform=platform,
                address=address,
                code=code,
                secret=chat.settings.secret_key,
                room=room,
            )
            name, locale = user.display_name, user.locale
    except RateLimited:
        return _("Too many tries. Wait a while, then get a new code.")
    except ValidationError as exc:
        return exc.errors["code"]
    token = i18n.set_locale(locale or i18n.get_locale())
    try:
        return _(
            "Linked: you are %(name)s here now. Your notifications come to you here too.",
            name=name,
        )
    finally:
        i18n._current.reset(token)


def _act(chat: Chat, command: Command, user: User) -> str:
    try:
        if command.verb == "idea":
            return _propose(chat, user, command.argument)
        idea_id = _number(command.argument)
        if idea_id is None:
            return _("Give the idea's number, for example: %(example)s", example="vote 12")
        if command.verb == "vote":
            return _vote(chat, user, idea_id)
        return _status(chat, user, idea_id)
    except RateLimited:
        return _("That is a lot at once. Try again in a while.")
    except Unconfirmed:
        return _("Confirm your email address first: follow the link we sent you.")
    except Forbidden:
        return _("Sorry, you cannot do that.")


def _number(text: str) -> int | None:
    text = text.strip().lstrip("#")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _propose(chat: Chat, user: User, text: str) -> str:
    title, _sep, body = text.partition("\n")
    # A chat idea is often one line: then the title is its description too.
    body = body.strip() or title
    chat.counter.hit("idea", str(user.id))
    try:
        with db.write(chat.engine) as s:
            idea = ideas.propose(db=s, actor=user, title=title, body=body, category_id=None)
            idea_id = idea.id
    except ValidationError as exc:
        if set(exc.errors) == {"category_id"}:
            return _(
                "This library sorts ideas by category: please propose it on the site: %(url)s",
                url=chat.settings.base_url
                + path_for("ideas:new", query={"title": " ".join(title.split())[:120]}),
            )
        return " ".join(exc.errors.values())
    return _(
        "Thank you! Your idea is posted as number %(id)s: %(url)s",
        id=idea_id,
        url=chat.settings.base_url + path_for("ideas:detail", id=idea_id),
    )


def _vote(chat: Chat, user: User, idea_id: int) -> str:
    chat.counter.hit("vote", str(user.id))
    try:
        with db.write(chat.engine) as s:
            added = votes.vote(db=s, actor=user, idea_id=idea_id)
    except NotFound:
        return _("There is no idea number %(id)s.", id=idea_id)
    except Forbidden:
        return _("Idea %(id)s is closed to votes.", id=idea_id)
    if not added:
        return _("You had already voted for idea %(id)s.", id=idea_id)
    return _("Your vote for idea %(id)s is counted. You will hear about its progress.", id=idea_id)


def _status(chat: Chat, user: User, idea_id: int) -> str:
    with db.read(chat.engine) as s:
        idea = ideas_q.get(s, idea_id)
    if idea is None or not ideas_permissions.can_read(user, idea):
        return _("There is no idea number %(id)s.", id=idea_id)
    return _(
        "Idea %(id)s, %(title)s: %(status)s, %(votes)s. %(url)s",
        id=idea.id,
        title=idea.title,
        status=status_label(idea.status),
        votes=ngettext("%(num)s vote", "%(num)s votes", idea.vote_count),
        url=chat.settings.base_url + path_for("ideas:detail", id=idea.id),
    )
