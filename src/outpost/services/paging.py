"""What every list of the services layer takes and gives: filters, a sort, a cursor, a page.

A page carries the total of what matches (the same filters, counted; exact up to ten
thousand, past that "more than ten thousand") and an opaque cursor
for the next one. The cursor is keyset pagination: it holds the sort value and the id of
the last item shown, so the next page starts after it whatever was added meanwhile, and a
page deep in a million events costs what the first one does.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from outpost.store.lists.common import ListError
from outpost.store.lists.keyset import Listed, Slice

T = TypeVar("T")

MAX_LIMIT = 500  # items of one page
MAX_CURSOR = 512  # characters of a cursor as given back


class BadQueryError(ValueError):
    """A filter, sort or cursor that cannot be used; the message names which and why."""


@dataclass(frozen=True)
class Filters:
    """The filters a list understands, where they make sense (a list ignores none silently:
    one that does not apply to it is refused by the service with BadQueryError)."""

    since: datetime | None = None  # aware UTC, inclusive
    until: datetime | None = None  # aware UTC, exclusive
    country: str | None = None  # ISO 3166-1 alpha-2
    admin1: str | None = None  # ISO 3166-2 style key, "AF-BAL"
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north (WGS84)
    domain: str | None = None  # threat domain
    event_type: str | None = None
    actor: str | None = None  # KB id
    lang: str | None = None  # ISO 639-1
    source: str | None = None
    q: str | None = None  # full-text query

    def given(self) -> set[str]:
        return {name for name, value in vars(self).items() if value is not None}


@dataclass(frozen=True)
class Window:
    """Which page: the sort ("-published": newest first; "published": oldest first), the
    cursor the previous page gave (None: the first page), and how many."""

    sort: str | None = None  # None: the list's default
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int  # everything that matches the filters, on every page (see `exact`)
    next_cursor: str | None  # None: this is the last page
    exact: bool = True  # False: more than `total` match (a list counts up to COUNTED)


def encode_cursor(sort: str, value: object, ident: int | str) -> str:
    """The cursor after an item whose sort value is `value` (JSON-able) and id `ident`."""
    raw = json.dumps([sort, value, ident], separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[object, int | str]:
    """(value, id) of a cursor made for `sort`; BadQueryError for anything else (a cursor is
    user input: tampered, truncated, or from another sort)."""
    if len(cursor) > MAX_CURSOR:
        raise BadQueryError("cursor: too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, ident = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise BadQueryError("cursor: not a cursor this list gave") from None
    if made_for != sort or not isinstance(ident, int | str) or isinstance(ident, bool):
        raise BadQueryError("cursor: made for another sort or list; start again without it")
    return value, ident


def checked_window(window: Window, sorts: tuple[str, ...]) -> str:
    """The window's sort (the first of `sorts` by default); BadQueryError names the choices."""
    if not 1 <= window.limit <= MAX_LIMIT:
        raise BadQueryError(f"limit: between 1 and {MAX_LIMIT}")
    sort = window.sort or sorts[0]
    if sort not in sorts:
        raise BadQueryError(f"sort: one of {', '.join(sorts)}")
    return sort


def paged(window: Window, sorts: tuple[str, ...], run: Callable[[Slice], Listed[T]]) -> Page[T]:
    """A page of a store list: the window checked, its cursor decoded for the list, the
    list's refusals (a filter that does not apply, a tampered cursor) as BadQueryError, and
    the cursor of the next page made."""
    sort = checked_window(window, sorts)
    after = decode_cursor(window.cursor, sort) if window.cursor is not None else None
    try:
        listed = run(Slice(sort, after, window.limit))
    except ListError as exc:
        raise BadQueryError(str(exc)) from None
    cursor = encode_cursor(sort, *listed.after) if listed.after is not None else None
    return Page(listed.items, listed.total, cursor, listed.exact)
