"""Imports every domain's tables so that the metadata is complete (for Alembic and tests)."""

from portal.accounts.models import LoginSession, User
from portal.comments.models import Comment
from portal.db import metadata
from portal.ideas.models import Category, Idea, StatusChange
from portal.votes.models import Follow, Vote

__all__ = [
    "Category",
    "Comment",
    "Follow",
    "Idea",
    "LoginSession",
    "StatusChange",
    "User",
    "Vote",
    "metadata",
]
