"""An event's evidence in its article: the text cut into before, evidence and after at the
event's offsets, so the page prints three escaped strings with <mark> around the middle one
and never builds markup out of the article."""

from __future__ import annotations

from dataclasses import dataclass

from outpost.records import EventRow

CONTEXT = 20_000  # characters shown on each side of the evidence in a very long article


@dataclass(frozen=True)
class Highlighted:
    before: str
    evidence: str
    after: str
    cut_before: bool  # text was left out at the start
    cut_after: bool

    @property
    def found(self) -> bool:
        return bool(self.evidence)


def highlight(text: str, event: EventRow) -> Highlighted:
    """The text around the event's offsets; offsets that do not fit the text (an article
    analysed before it was changed) highlight nothing."""
    start, end = event.start, event.end
    if not 0 <= start < end <= len(text):
        return Highlighted(text[: 2 * CONTEXT], "", "", False, len(text) > 2 * CONTEXT)
    first, last = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    return Highlighted(
        text[first:start], text[start:end], text[end:last], first > 0, last < len(text)
    )
