"""Cases as rules: their statuses, where they come from, what they link to, what their
timeline records, and what a valid task is. Pure."""

from __future__ import annotations

from datetime import date

from outpost.respond.checks import InvalidError, choice, number, story, title

STATUSES = ("open", "in-progress", "closed")
ORIGINS = ("alert", "story", "manual")  # a case is opened from an alert, a story or by hand
LINK_KINDS = ("story", "event", "alert", "assessment")
# What a timeline entry says happened.
TIMELINE = (
    "opened",
    "renamed",
    "linked",
    "unlinked",
    "commented",
    "status",
    "assigned",
    "marking",
    "shared",
    "unshared",
    "task",
)


def status(value: str) -> str:
    return choice(value, STATUSES, "status")


def origin(kind: str, ident: str | None) -> tuple[str, str | None]:
    """(kind, id) of where a case comes from: an alert or a story needs its id; by hand none."""
    chosen = choice(kind, ORIGINS, "origin_kind")
    if chosen == "manual":
        if ident is not None:
            raise InvalidError("origin_id: a case opened by hand has none")
        return chosen, None
    if ident is None or not ident.strip():
        raise InvalidError(f"origin_id: the {chosen} the case is opened from")
    return chosen, link_id(chosen, ident, "origin_id")


def link_id(kind: str, ident: str, field: str = "id") -> str:
    """A link's target as stored: a story's id, the number of an event, alert, assessment."""
    if kind == "story":
        return story(ident, field)
    return number(ident, field, f"an {kind}")


def task(text: str, due: date | None) -> tuple[str, date | None]:
    return title(text, "task title"), due


def link_kind(value: str) -> str:
    return choice(value, LINK_KINDS, "kind")
