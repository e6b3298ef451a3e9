"""Analysed docs as JSON objects (`outpost analyze --format jsonl`), and the input objects
that interface reads: {"id", "text", "title"?, "published"?, "lang"?}."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from outpost.records import Doc, Event, Place
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


def place_json(p: Place) -> dict[str, Any]:
    return {
        "text": p.text,
        "start": p.start,
        "end": p.end,
        "name": p.name,
        "lat": p.lat,
        "lon": p.lon,
        "country": p.country,
        "admin1": p.admin1,
        "geonames_id": p.geonames_id,
        "kind": p.kind,
        "confidence": round(p.confidence, 3),
    }


def event_json(e: Event) -> dict[str, Any]:
    data = asdict(e)
    data["place"] = place_json(e.place) if e.place else None
    data["score"] = round(e.score, 3)
    data["confidence"] = round(e.confidence, 3)
    return data


def doc_json(doc: Doc) -> dict[str, Any]:
    """The facts of an analysed doc; every offset points into the input text as given."""
    return {
        "id": doc.id,
        "lang": doc.lang,
        "entities": [
            {
                "text": m.text,
                "type": m.type,
                "start": m.start,
                "end": m.end,
                "kb_id": m.kb_id,
                "name": m.name,
                "confidence": round(m.confidence, 3),
            }
            for m in doc.mentions
        ],
        "places": [place_json(p) for p in doc.places],
        "focus": place_json(doc.focus) if doc.focus else None,
        "dates": [
            {"text": d.text, "start": d.start, "end": d.end, "value": d.value, "role": d.role}
            for d in doc.dates
        ],
        "event_type": (
            {"label": doc.event_type.label, "score": round(doc.event_type.score, 3)}
            if doc.event_type
            else None
        ),
        "threats": [
            {
                "domain": t.domain,
                "score": round(t.score, 3),
                "evidence": t.evidence,
                "start": t.start,
                "end": t.end,
            }
            for t in doc.threats
        ],
        "events": [event_json(e) for e in doc.events],
        "notes": list(doc.notes),
    }


def error_json(id: str | None, reason: str) -> dict[str, Any]:
    return {"id": id, "error": reason}
