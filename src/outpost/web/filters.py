"""The filter form the list pages share: its query parameters read into the services' Filters
and Window, every bad value named in a message the page shows beside its field (a list is
never shown for a query it could not read, and a bad value is never a 500).

    asked = read_filters(params)          # params: the form's fields as the URL gave them
    if asked.problems: ...                # show them; list nothing
    page = find_events(ctx, asked.filters, asked.window())
    asked.link("/events", page.next_cursor)  # the next page, with the same filters

The form's days are whole days: "until 14 March" lists 14 March too (the services' until is
exclusive, so it is the next midnight). An actor is its knowledge-base id or one of its names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Depends

from outpost.kb.actors import load_kb
from outpost.services.paging import MAX_CURSOR, BadQueryError, Filters, Page, Window
from outpost.web.i18n import N_
from outpost.web.labels import DOMAINS, EVENT_TYPES

T = TypeVar("T")

PER_PAGE = 50
FIELDS = (
    "q",
    "since",
    "until",
    "country",
    "admin1",
    "domain",
    "event_type",
    "actor",
    "lang",
    "source",
)
LONGEST = {"q": 500, "admin1": 64, "actor": 200, "source": 500}  # characters
FIRST_DAY = date(1900, 1, 1)  # dates outside these are mistyped years
LAST_DAY = date(2999, 12, 31)


@dataclass(frozen=True)
class Problem:
    """A value that cannot be used: its field's name ("cursor" for the page link, "" for
    the query as a whole) and a message (a msgid, translated where it is shown, with the
    values of its placeholders)."""

    name: str
    message: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Asked:
    values: Mapping[str, str]  # the fields given, trimmed, as typed: the form shows them again
    filters: Filters
    cursor: str | None
    problems: tuple[Problem, ...] = ()
    actor_id: str | None = None  # the knowledge-base actor the actor field named

    def window(self, limit: int | None = None) -> Window:
        return Window(cursor=self.cursor, limit=limit or PER_PAGE)

    def link(self, path: str, cursor: str | None = None) -> str:
        """The page at `path` with these filters (and the cursor of a further page)."""
        query = dict(self.values)
        if cursor is not None:
            query["cursor"] = cursor
        return f"{path}?{urlencode(query)}" if query else path

    def invalid(self, name: str) -> bool:
        return any(p.name == name for p in self.problems)

    def refused(self, exc: BadQueryError) -> Asked:
        """These filters with the services' refusal as a problem of the field it names."""
        text = str(exc)
        name, _, detail = text.partition(": ")
        if name == "cursor":
            problem = Problem("cursor", CURSOR_GONE)
        elif name in FIELDS:
            problem = Problem(
                name, N_("This filter cannot be used: %(detail)s"), {"detail": detail}
            )
        else:
            problem = Problem("", N_("This list cannot be shown: %(detail)s"), {"detail": text})
        return Asked(self.values, self.filters, self.cursor, (*self.problems, problem))


REFUSED = N_("This filter cannot be used: %(detail)s")
CURSOR_GONE = N_("This page link no longer works: start again from the first page.")


def read_filters(params: Mapping[str, str | None], fields: tuple[str, ...] = FIELDS) -> Asked:
    """The filters of `fields` among the query's `params` (with "cursor")."""
    values = {name: text for name in fields if (text := (params.get(name) or "").strip())}
    problems: list[Problem] = []
    found: dict[str, object] = {}
    for name, text in values.items():
        try:
            found[name] = READERS[name](text)
        except _BadValueError as bad:
            problems.append(Problem(name, bad.message, bad.params))
    since, until = found.get("since"), found.get("until")
    if isinstance(since, datetime) and isinstance(until, datetime) and until <= since:
        problems.append(Problem("until", N_("The last day comes before the first.")))
    cursor = (params.get("cursor") or "").strip() or None
    if cursor is not None and len(cursor) > MAX_CURSOR:
        problems.append(Problem("cursor", CURSOR_GONE))
    actor = found.get("actor")
    return Asked(
        values,
        Filters(**found),  # type: ignore[arg-type]  # each reader gives its field's type
        cursor,
        tuple(problems),
        actor if isinstance(actor, str) else None,
    )


class _BadValueError(ValueError):
    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message)
        self.message, self.params = message, params


def _limited(name: str, text: str) -> str:
    if len(text) > LONGEST[name]:
        raise _BadValueError(N_("At most %(count)s characters."), count=str(LONGEST[name]))
    return text


def _text(name: str) -> Callable[[str], str]:
    return lambda text: _limited(name, text)


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _BadValueError(N_("Not a date: write it as 2025-03-14.")) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _BadValueError(N_("Not a date: write it as 2025-03-14."))
    return day


def _since(text: str) -> datetime:
    return datetime.combine(_day(text), datetime.min.time(), UTC)


def _until(text: str) -> datetime:
    """The end of the day: the services' until is exclusive."""
    return datetime.combine(_day(text) + timedelta(days=1), datetime.min.time(), UTC)


def _country(text: str) -> str:
    if not (len(text) == 2 and text.isascii() and text.isalpha()):
        raise _BadValueError(N_("A country's two-letter code, like AF or TJ."))
    return text.upper()


def _language(text: str) -> str:
    if not (2 <= len(text) <= 3 and text.isascii() and text.isalpha()):
        raise _BadValueError(N_("A language's two-letter code, like en or ru."))
    return text.lower()


def _choice(table: Mapping[str, str]) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text not in table:
            raise _BadValueError(N_("Not one of the choices."))
        return text

    return read


def _actor(text: str) -> str:
    """A knowledge-base id, or a name of exactly one actor (in any language, case aside)."""
    text = _limited("actor", text)
    kb = load_kb()
    if kb.get(text) is not None:
        return text
    wanted = text.casefold()
    named = {
        e.id
        for e in kb.entities.values()
        if any(wanted == name.casefold() for names in e.names.values() for name in names)
    }
    if len(named) == 1:
        return named.pop()
    if named:
        raise _BadValueError(N_("Several actors have this name: choose one on the Actors page."))
    raise _BadValueError(N_("No actor of the knowledge base has this name or id."))


READERS: dict[str, Callable[[str], object]] = {
    "q": _text("q"),
    "since": _since,
    "until": _until,
    "country": _country,
    "admin1": _text("admin1"),
    "domain": _choice(DOMAINS),
    "event_type": _choice(EVENT_TYPES),
    "actor": _actor,
    "lang": _language,
    "source": _text("source"),
}


def filter_params(
    q: str | None = None,
    since: str | None = None,
    until: str | None = None,
    country: str | None = None,
    admin1: str | None = None,
    domain: str | None = None,
    event_type: str | None = None,
    actor: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    cursor: str | None = None,
) -> Asked:
    """The dependency of a list page: its query parameters, named so the app knows them
    (an unknown one is refused before the page is made), read into filters."""
    return read_filters(
        {
            "q": q,
            "since": since,
            "until": until,
            "country": country,
            "admin1": admin1,
            "domain": domain,
            "event_type": event_type,
            "actor": actor,
            "lang": lang,
            "source": source,
            "cursor": cursor,
        }
    )


FilterQuery = Annotated[Asked, Depends(filter_params)]


@dataclass(frozen=True)
class Shown(Generic[T]):
    """A list page's content: the filters as read, and the page of items, or None with the
    status 400 when the filters (or the services) refused the query."""

    asked: Asked
    page: Page[T] | None
    status: int = 200


def listed(asked: Asked, run: Callable[[], Page[T]]) -> Shown[T]:
    """`run` the list when the filters could be read; a refusal becomes a problem shown."""
    if asked.problems:
        return Shown(asked, None, 400)
    try:
        return Shown(asked, run())
    except BadQueryError as exc:
        return Shown(asked.refused(exc), None, 400)
