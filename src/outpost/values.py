"""Field values as sources give them: times, languages, identifiers, and the text a terminal
can show without being driven by it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from dateutil import parser as dateparser

# A JSON escape like "\ud800" gives a lone surrogate, which no UTF-8 store can hold; PostgreSQL
# text cannot hold NUL ("\u0000") either. Readers hand on text without them.
UNSTORABLE = re.compile("[\ud800-\udfff]|\x00")

# Terminal control sequences: a title or text that carries them can clear the screen, write the
# clipboard (OSC 52) or hide a link (OSC 8) when it is listed. A string sequence (OSC, DCS, APC,
# PM, SOS) goes with its payload up to its terminator; the payload class excludes the
# terminators, so the match is linear. An unterminated introducer falls to the next patterns.
ESCAPES = re.compile(
    "(?:\x1b[]P_^X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)"
    "|(?:\x1b\\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI: cursor, colour, erase
    "|\x1b[\x20-\x2f]*[\x30-\x7e]"  # any other ESC sequence
)
# Bidi overrides, embeddings, isolates and marks: they reorder what is shown ("txt.exe" shown
# as "exe.txt"), so a reader sees something else than what is stored.
BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
LINE_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI}]")  # tabs too: a single line has none
TEXT_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI}]")  # keeps \t and \n


class ItemError(Exception):
    """An item that cannot be read; the message is the one-line reason shown to the user.
    Recorded as a failure, and the batch goes on."""

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(reason.split())[:500])


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
    try:
        return parsed.astimezone(UTC)
    # OverflowError: 0001-01-01T00:00+01:00 is before year 1 in UTC; ValueError: dateutil
    # accepts offsets of a day or more ("1;1;0T00-3000"), which a datetime cannot apply.
    except (OverflowError, ValueError):
        raise ItemError(f"not a time: {value[:60]!r}") from None


def clean(text: str) -> str:
    """Text a store can hold: a lone surrogate becomes U+FFFD (as undecodable bytes would), NUL
    is dropped. Losing one broken character is better than losing the article."""
    return UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def single_line(text: str) -> str:
    """A title, source, id, URL or locator as it may be shown: one line, no control sequences,
    controls or bidi overrides; a line break or tab becomes a space."""
    if text.isprintable():  # every character these rules touch is unprintable: a fast path
        return text.strip()
    text = LINE_BREAKS.sub(" ", ESCAPES.sub("", text)).replace("\t", " ")
    return LINE_CONTROLS.sub("", text).strip()


def multi_line(text: str) -> str:
    """An article text as it may be shown: tabs and line breaks (as \\n) kept, control
    sequences, other controls and bidi overrides dropped. A lone carriage return would let a
    later line overwrite an earlier one on a terminal, so it becomes a line break."""
    if text.replace("\n", "").replace("\t", "").isprintable():  # 15 µs, not 450, per VOA story
        return text
    return TEXT_CONTROLS.sub("", LINE_BREAKS.sub("\n", ESCAPES.sub("", text)))


def json_bytes(value: object, *, sort_keys: bool = False) -> bytes:
    """An item as JSON bytes for `Draft.raw`: UTF-8, or ASCII with escapes when the item holds a
    lone surrogate (which UTF-8 cannot encode, but an escape keeps exactly as it was read)."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, sort_keys=sort_keys).encode("ascii")
    except RecursionError:  # nested just deep enough to parse, but not to write back
        raise ItemError("JSON nested too deeply") from None


def optional_text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return clean(value).strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ItemError(f"field {name!r} must be text, got {type(value).__name__}")


def language(value: object) -> str | None:
    """A language code as given ('ru', 'en-US' → 'en'); None when absent."""
    text = optional_text(value, "lang")
    if text is None:
        return None
    code = text.replace("_", "-").split("-")[0].lower()
    if not (code.isascii() and code.isalpha()) or not 2 <= len(code) <= 3:  # "ру" is not a code
        raise ItemError(f"field 'lang' is not a language code: {text[:20]!r}")
    return code
