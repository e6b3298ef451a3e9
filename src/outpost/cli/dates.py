"""The one parser of the date and time options: a moment is converted to UTC (an offset it
gives is applied, not dropped); a day is a calendar day. An error names the option."""

from __future__ import annotations

from datetime import date, datetime

import typer

from outpost.terminal import plain
from outpost.values import ItemError, parse_time


def moment(value: str | None, option: str) -> datetime | None:
    """ISO 8601 date or time; without an offset it is UTC, with one it is converted to UTC
    ("2026-03-01T02:00+03:00" is 2026-02-28 23:00 UTC)."""
    if not value:
        return None
    try:
        return parse_time(value)
    except ItemError:
        raise typer.BadParameter(
            f"not a date or time: {plain(repr(value))}", param_hint=option
        ) from None


def day(value: str | None, option: str) -> date | None:
    """A calendar day, YYYY-MM-DD."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"not a date (YYYY-MM-DD): {plain(repr(value))}", param_hint=option
        ) from None
