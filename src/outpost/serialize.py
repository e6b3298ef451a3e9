"""One JSON shape per record: what `--json`, the API and webhooks say about each.

Times are ISO 8601 with their UTC offset; every record keeps its field names, so a shape
changes only when a record does.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from outpost.records import (
    Alert,
    Article,
    Delivery,
    Doc,
    Event,
    EventRow,
    IngestError,
    Place,
    Reading,
    Story,
    Summary,
)


def article_json(a: Article, *, text: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": a.uid,
        "external_id": a.external_id,
        "source": a.source,
        "title": a.title,
        "url": a.url,
        "lang": a.lang,
        "published": a.published.isoformat() if a.published else None,
        "fetched": a.fetched.isoformat(),
        "near_duplicate_of": a.near_duplicate_of,
        "similarity": a.similarity,
        "raw_hash": a.raw_hash,
        "fingerprint": a.fingerprint,
        "locator": a.locator,
    }
    if text:
        data["text"] = a.text
    return data


def event_json(e: EventRow) -> dict[str, Any]:
    return asdict(e)


def story_json(story: Story) -> dict[str, Any]:
    data = asdict(story)
    data["first_seen"] = story.first_seen.isoformat()
    data["last_seen"] = story.last_seen.isoformat()
    data["updated"] = story.updated.isoformat()
    for item in data["articles"]:
        item["published"] = item["published"].isoformat() if item["published"] else None
    return data


def alert_json(alert: Alert) -> dict[str, Any]:
    """The alert as webhooks and mail attachments carry it (no deliveries: they are ours)."""
    data = asdict(alert)
    data.pop("deliveries")
    data["created"], data["updated"] = alert.created.isoformat(), alert.updated.isoformat()
    data["cap"] = {  # the CAP 1.2 words, capitalised as the standard writes them
        "severity": alert.severity.capitalize(),
        "urgency": alert.urgency.capitalize(),
        "certainty": alert.certainty.capitalize(),
    }
    return data


def delivery_json(d: Delivery) -> dict[str, Any]:
    data = asdict(d)
    data["next_attempt"] = d.next_attempt.isoformat()
    data["sent"] = d.sent.isoformat() if d.sent else None
    return data


def alert_with_deliveries_json(alert: Alert) -> dict[str, Any]:
    return {**alert_json(alert), "deliveries": [delivery_json(d) for d in alert.deliveries]}


def reading_json(r: Reading) -> dict[str, Any]:
    return {**asdict(r), "day": r.day.isoformat()}


def failure_json(f: IngestError) -> dict[str, Any]:
    return {
        "locator": f.locator,
        "reason": f.reason,
        "first_seen": f.first_seen.isoformat(),
        "last_seen": f.last_seen.isoformat(),
        "attempts": f.attempts,
    }


def summary_json(s: Summary) -> dict[str, Any]:
    """Counts of one ingest run."""
    return {
        "new": s.new,
        "duplicate": s.duplicate,
        "near_duplicate": s.near_duplicate,
        "failed": s.failed,
        "failures": [{"locator": f.locator, "reason": f.reason} for f in s.failures],
    }


# The facts of an analysed doc (`outpost analyze` prints one per input line) --------------


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


def event_fact_json(e: Event) -> dict[str, Any]:
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
                "method": m.method,
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
        "events": [event_fact_json(e) for e in doc.events],
        "notes": list(doc.notes),
    }


def error_json(id: str | None, reason: str) -> dict[str, Any]:
    return {"id": id, "error": reason}
