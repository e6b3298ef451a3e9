"""Telegram Desktop channel exports (`result.json`): one article per message.

Channels are where recruitment happens, so their exports are a first-class source. A message's
text is either a string or a list of strings and entity objects (bold, links, hashtags...);
the list is flattened to plain text. Service messages and messages without text are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from outpost.records import Draft, Failure
from outpost.values import ItemError, clean, json_bytes, parse_time, single_line

# ASCII digits only: "²".isdigit() is true but int("²") raises, and more than 4300 digits
# cannot be converted at all.
UNIX_TIME = re.compile(r"[0-9]{1,20}")


def is_telegram_export(data: object) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("messages"), list)


def flatten(text: object) -> str:
    """Plain text of a message's `text` field (a string, or a list of strings and entities)."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        parts = []
        for part in text:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)
    return ""


def read_telegram(
    data: Mapping[str, Any], locator: str, source: str | None
) -> Iterator[Draft | Failure]:
    name = data.get("name")  # a name that is not text is no name (never a repr of an object)
    channel = clean(name.strip() if isinstance(name, str) else "") or source or "telegram"
    for index, message in enumerate(data["messages"]):
        where = f"{locator}#message={_id(message, index)}"
        try:
            draft = _message(message, channel, where)
        except ItemError as exc:
            yield Failure(where, str(exc))
            continue
        if draft is not None:
            yield draft


def _id(message: object, index: int) -> str:
    """The message's place for its locator: its id when that is a number or text."""
    if isinstance(message, Mapping):
        value = message.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return single_line(clean(str(value))) or f"#{index}"
    return f"#{index}"


def _external_id(message: Mapping[str, Any]) -> str | None:
    """A message id is a number (text is taken too). Null or absent is no id at all: read as
    the text "None", every such message would be a duplicate of the first. Anything else is
    refused rather than stored as a Python repr that no export will ever give again."""
    value = message.get("id")
    if value is None:
        return None
    if isinstance(value, str):
        return clean(value).strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ItemError(f"message id must be a number, got {_json_kind(value)}")


def _json_kind(value: object) -> str:
    kinds = {bool: "true or false", float: "a fraction", dict: "an object", list: "a list"}
    return kinds.get(type(value), type(value).__name__)


def _message(message: object, channel: str, locator: str) -> Draft | None:
    if not isinstance(message, Mapping):
        raise ItemError("message is not a JSON object")
    if message.get("type", "message") != "message":
        return None
    text = clean(flatten(message.get("text"))).strip()
    if not text:
        return None
    external_id = _external_id(message)
    unix = message.get("date_unixtime")
    if isinstance(unix, str) and UNIX_TIME.fullmatch(unix):
        published = parse_time(int(unix))
    else:
        published = parse_time(message.get("date"))
    return Draft(
        text=text,
        source=channel,
        locator=locator,
        raw=json_bytes(message, sort_keys=True),
        media_type="application/vnd.telegram.message+json",
        title=None,
        published=published,
        external_id=external_id,
    )
