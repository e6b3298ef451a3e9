"""What every form of the respond layer checks: a text, a list of ids, a choice; each error
names the field it is about."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

MAX_TEXT = 20_000  # characters of a judgement, a comment
MAX_TITLE = 300
MAX_IDS = 500  # evidence items of one assessment
STORY_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")  # "s-" and 16 hex digits, as clustering names them


class InvalidError(ValueError):
    """A field that cannot be stored as given; the message starts with the field's name."""


def text(value: str, field: str, longest: int = MAX_TEXT) -> str:
    """The text with its ends stripped; refused when empty, too long or holding NUL."""
    stripped = value.strip()
    if not stripped:
        raise InvalidError(f"{field}: must not be empty")
    if len(stripped) > longest:
        raise InvalidError(f"{field}: at most {longest} characters (got {len(stripped)})")
    if "\x00" in stripped:
        raise InvalidError(f"{field}: NUL is not allowed")
    return stripped


def title(value: str, field: str = "title") -> str:
    """A one-line title: inner runs of white space made one space."""
    return text(" ".join(value.split()), field, MAX_TITLE)


def choice(value: str, choices: Sequence[str], field: str) -> str:
    chosen = value.strip().lower()
    if chosen not in choices:
        raise InvalidError(f"{field}: one of {', '.join(choices)}; got {value!r}")
    return chosen


def ids(values: Iterable[int], field: str) -> tuple[int, ...]:
    """Positive ids, each once, in the order given."""
    found = tuple(dict.fromkeys(values))
    if len(found) > MAX_IDS:
        raise InvalidError(f"{field}: at most {MAX_IDS} ids")
    for value in found:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidError(f"{field}: ids are positive integers; got {value!r}")
    return found


def number(value: str, field: str, what: str) -> str:
    """An integer id given as text ("42"), as stored."""
    given = value.strip()
    if not given.isascii() or not given.isdigit() or not 1 <= int(given) < 2**31:
        raise InvalidError(f"{field}: {what}'s id is a positive integer; got {value!r}")
    return str(int(given))


def story(value: str, field: str) -> str:
    given = value.strip()
    if not STORY_ID.fullmatch(given):
        raise InvalidError(f"{field}: not a story id: {value!r}")
    return given
