"""Imports every domain's tables so that the metadata is complete (for Alembic and tests)."""

from portal.accounts.models import LoginSession, User
from portal.comments.models import Comment
from portal.db import metadata
from portal.decisions.models import Decision, DecisionIdea, FollowUp
from portal.ideas.models import Category, Idea, StatusChange
from portal.notifications.models import EmailOutbox, Event, Notification, Preference
from portal.votes.models import Follow, Vote

__all__ = [
    "Category",
    "Comment",
    "Decision",
    "DecisionIdea",
    "EmailOutbox",
    "Event",
    "Follow",
    "FollowUp",
    "Idea",
    "LoginSession",
    "Notification",
    "Preference",
    "StatusChange",
    "User",
    "Vote",
    "metadata",
]
