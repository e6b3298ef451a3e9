"""Field values as sources give them: times, languages, identifiers."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil import parser as dateparser

from outpost.ingest.errors import ItemError


def parse_time(value: object) -> datetime | None:
    """An aware UTC time from ISO 8601 text, a common date format or a Unix timestamp.

    A value without a zone is taken as UTC: that is what feeds and exports mean in practice.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ItemError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ItemError(f"not a time: {value!r}") from None
    if not isinstance(value, str):
        raise ItemError(f"not a time: {value!r}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dateparser.parse(text)
        except (ValueError, OverflowError):
            raise ItemError(f"not a time: {value[:60]!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def optional_text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ItemError(f"field {name!r} must be text, got {type(value).__name__}")


def language(value: object) -> str | None:
    """A language code as given ('ru', 'en-US' → 'en'); None when absent."""
    text = optional_text(value, "lang")
    if text is None:
        return None
    code = text.replace("_", "-").split("-")[0].lower()
    if not code.isalpha() or not 2 <= len(code) <= 3:
        raise ItemError(f"field 'lang' is not a language code: {text[:20]!r}")
    return code
