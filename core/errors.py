"""Rollgate's one small error hierarchy.

Every error a user can see says what was wrong, where (file, line, column or plan path) and
what to do. Library errors are translated at the boundary with `raise ... from e`.
"""

from __future__ import annotations


class RollgateError(Exception):
    """Base of every expected failure; its message is written for the person who caused it."""


class UsageError(RollgateError):
    """Command-line options were combined wrongly: a usage error (exit 2), not a bad value."""


class InputError(RollgateError):
    """A file, plan or argument was refused; nothing was changed."""


class DatabaseBusy(RollgateError):
    """Another process held the database for longer than we were willing to wait."""


class NotFound(RollgateError):
    """A named thing (an ingestion, a snapshot) does not exist."""
