"""The one-line reason of a failure, whatever raised it."""

from __future__ import annotations

from outpost.values import ItemError


def one_line(exc: BaseException, prefix: str = "") -> str:
    """An ItemError's own message, else `Type: message`; at most 500 characters on one line.

    A database error names the driver's error, not the statement SQLAlchemy wraps around it:
    the statement (with the item's whole text as a parameter) would crowd out the cause."""
    if isinstance(exc, ItemError):
        return str(ItemError(prefix + str(exc)))
    cause = getattr(exc, "orig", None)
    shown = cause if isinstance(cause, BaseException) else exc
    return str(ItemError(f"{prefix}{type(shown).__name__}: {shown}"))
