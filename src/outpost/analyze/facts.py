"""Analysed docs as JSON objects (`outpost analyze --format jsonl`), and the input objects
that interface reads: {"id", "text", "title"?, "published"?, "lang"?}."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from outpost.records import Doc
from outpost.values import ItemError, language, optional_text, parse_time


def read_inputs(lines: Iterable[str]) -> Iterator[Doc | tuple[str | None, str]]:
    """A Doc per non-empty line, or (id, reason) for a line that cannot be read."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield doc_from(json.loads(line), number)
        except json.JSONDecodeError as exc:
            yield None, f"line {number}: malformed JSON: {exc.msg}"
        except ItemError as exc:
            yield _id_of(line), f"line {number}: {exc}"


def doc_from(obj: object, number: int = 0) -> Doc:
    if not isinstance(obj, dict):
        raise ItemError(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ItemError("missing 'text' (a string is required)")
    return Doc(
        id=optional_text(obj.get("id"), "id") or str(number),
        text=text,
        title=optional_text(obj.get("title"), "title"),
        published=parse_time(obj.get("published")),
        lang=language(obj.get("lang")),
    )


def _id_of(line: str) -> str | None:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    value = obj.get("id") if isinstance(obj, dict) else None
    return str(value) if value is not None else None
