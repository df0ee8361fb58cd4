"""Imports every domain's tables so that the metadata is complete (for Alembic and tests)."""

from portal.accounts.models import AccountToken, Identity, LoginSession, User
from portal.choices.models import (
    ChoiceAnswer,
    ChoiceEvidence,
    ChoiceOption,
    ChoiceQuestion,
    DeskAnswer,
)
from portal.comments.models import Comment
from portal.core.db import metadata
from portal.core.ratelimit.models import RateCounter
from portal.decisions.models import (
    Advice,
    Decision,
    DecisionDraft,
    DecisionIdea,
    DecisionRevision,
    DecisionTeam,
    DecisionWorkshop,
    FollowUp,
)
from portal.desk.models import DeskRecord
from portal.ideas.models import Category, Idea, StatusChange
from portal.inbound.models import InboundMessage
from portal.media.models import Attachment
from portal.messaging.models import BotState, Link, LinkCode, MessageOutbox, SeenSignature
from portal.moderation.models import AuditEntry, Flag
from portal.notifications.models import (
    EmailOutbox,
    Event,
    Notification,
    Preference,
    WorkerHeartbeat,
)
from portal.outputs.models import OutputIdea
from portal.pilots.models import Pilot, PilotMember
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
from portal.triage.models import Assignment, Criterion, InputRequest, Note, Score
from portal.votes.models import DeskVote, Follow, Vote
from portal.workshops.models import CalendarKey, Registration, Workshop, WorkshopIdea

__all__ = [
    "ChoiceAnswer",
    "ChoiceEvidence",
    "ChoiceOption",
    "ChoiceQuestion",
    "DeskAnswer",
    "Assignment",
    "Criterion",
    "InputRequest",
    "Note",
    "Score",
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
    "Attachment",
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
    "Advice",
    "Decision",
    "DecisionDraft",
    "DeskRecord",
    "DeskVote",
    "DecisionIdea",
    "DecisionRevision",
    "DecisionTeam",
    "DecisionWorkshop",
    "EmailOutbox",
    "Event",
    "Follow",
    "FollowUp",
    "Idea",
    "InboundMessage",
    "LoginSession",
    "Notification",
    "Preference",
    "RateCounter",
    "Registration",
    "SiteSettings",
    "OutputIdea",
    "Pilot",
    "PilotMember",
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
