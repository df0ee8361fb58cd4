"""Errors that services raise and routes turn into responses."""

from __future__ import annotations


class ValidationError(Exception):
    """Bad input: one message per field, shown next to it. Nothing was stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class Forbidden(Exception):
    """The actor may not do this to this object (403)."""


class NotFound(Exception):
    """No such object, or one whose existence is private to this actor (404)."""


class Unconfirmed(Forbidden):
    """The person has not confirmed their email address yet, which this needs (403, with a
    page that says so)."""
