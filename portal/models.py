"""Imports every domain's tables so that the metadata is complete (for Alembic and tests)."""

from portal.accounts.models import AccountToken, Identity, LoginSession, User
from portal.comments.models import Comment
from portal.core.db import metadata
from portal.core.ratelimit.models import RateCounter
from portal.decisions.models import (
    Decision,
    DecisionIdea,
    DecisionRevision,
    DecisionTeam,
    DecisionWorkshop,
    FollowUp,
)
from portal.ideas.models import Category, Idea, StatusChange
from portal.messaging.models import BotState, Link, LinkCode, MessageOutbox, SeenSignature
from portal.moderation.models import AuditEntry, Flag
from portal.notifications.models import (
    EmailOutbox,
    Event,
    Notification,
    Preference,
    WorkerHeartbeat,
)
from portal.setup.models import SiteSettings
from portal.stories.models import Story, StoryDecision, StoryIdea, StoryTheme, Theme
from portal.surveys.models import (
    Answer,
    Dimension,
    Invitation,
    Item,
    Question,
    Response,
    Round,
    RoundSource,
    Survey,
    TextAnswer,
)
from portal.teams.models import Team, TeamMember
from portal.votes.models import Follow, Vote
from portal.workshops.models import CalendarKey, Registration, Workshop, WorkshopIdea

__all__ = [
    "Answer",
    "Dimension",
    "Invitation",
    "Item",
    "Question",
    "Response",
    "Round",
    "RoundSource",
    "Survey",
    "TextAnswer",
    "AccountToken",
    "AuditEntry",
    "BotState",
    "Link",
    "LinkCode",
    "MessageOutbox",
    "SeenSignature",
    "CalendarKey",
    "Flag",
    "Identity",
    "Category",
    "Comment",
    "Decision",
    "DecisionIdea",
    "DecisionRevision",
    "DecisionTeam",
    "DecisionWorkshop",
    "EmailOutbox",
    "Event",
    "Follow",
    "FollowUp",
    "Idea",
    "LoginSession",
    "Notification",
    "Preference",
    "RateCounter",
    "Registration",
    "SiteSettings",
    "Story",
    "StoryDecision",
    "StoryIdea",
    "StoryTheme",
    "Theme",
    "StatusChange",
    "Team",
    "TeamMember",
    "User",
    "Vote",
    "Workshop",
    "WorkerHeartbeat",
    "WorkshopIdea",
    "metadata",
]
