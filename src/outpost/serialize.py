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
    EventRow,
    IngestError,
    Reading,
    Story,
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
