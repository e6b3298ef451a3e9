"""The stage: every date expression of a text, resolved and given its role."""

from __future__ import annotations

from datetime import datetime

from outpost import records
from outpost.analyze.dates.hits import ASCII_DIGITS, OTHER_DIGITS, Ctx, Hit
from outpost.analyze.dates.roles import event_value, is_deadline
from outpost.analyze.dates.rules import rules_for


def _hits(ctx: Ctx, lang: str | None) -> list[Hit]:
    hits = [
        hit
        for pattern, handle in rules_for(lang)
        for m in pattern.finditer(ctx.text)
        if (hit := handle(m, ctx)) is not None
    ]
    # the longest at each place wins; a span overlapping one kept already is dropped
    hits.sort(key=lambda h: (h.start, h.start - h.end))
    kept: list[Hit] = []
    for hit in hits:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def find_dates(
    text: str, published: datetime | None, lang: str | None
) -> list[records.DateMention]:
    """Date expressions of `text` resolved against `published`, each with its role.

    Without a publication date only dates that carry their own year are returned.
    """
    ascii_text = text.translate(ASCII_DIGITS) if OTHER_DIGITS.search(text) else text
    ctx = Ctx(ascii_text, published.date() if published else None)
    hits = _hits(ctx, lang)
    deadlines = {i for i, hit in enumerate(hits) if is_deadline(ctx, hit)}
    event = event_value(ctx, hits, deadlines)
    return [
        records.DateMention(
            text=text[hit.start : hit.end],
            start=hit.start,
            end=hit.end,
            value=hit.value,
            role="deadline" if i in deadlines else "event" if hit.value == event else "mention",
            confidence=hit.confidence,
        )
        for i, hit in enumerate(hits)
    ]
