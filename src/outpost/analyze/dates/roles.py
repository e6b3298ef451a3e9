"""Roles of the dates found: a deadline, the date of the main reported event, or a mention."""

from __future__ import annotations

import re
from datetime import date

from outpost.analyze.dates.hits import Ctx, Hit, just_before

DEADLINE_BEFORE = re.compile(
    r"(?i:(?:\bby|\buntil|\btill|\bno\s+later\s+than|\bnot\s+later\s+than|\bdeadline(?:\s+of)?"
    r"|\bdue(?:\s+by|\s+on)?|\b(?:by|before|until)\s+the\s+end\s+of|(?<!\w)до|(?<!\w)к"
    r"|(?<!\w)не\s+позднее|(?<!\w)не\s+позже|(?<!\w)вплоть\s+до|(?<!\w)в\s+срок\s+до"
    r"|(?<!\w)до\s+конца|(?<!\w)к\s+концу)\s+(?:the\s+)?)$"
)
END_DEADLINE = re.compile(r"(?i:(?:\bby|\bbefore|\buntil|\btill|(?<!\w)до|(?<!\w)к)\s+)$")
BEFORE = re.compile(r"(?i:(?:\bbefore|(?<!\w)прежде|(?<!\w)перед)\s+(?:the\s+)?)$")
OBLIGATION = re.compile(
    r"(?i:\b(?:must|should|have\s+to|has\s+to|required|instructed|ordered|obliged|deadline"
    r"|expected\s+to|to\s+be\s+(?:completed|implemented|submitted|done)|instructions?)\b"
    r"|(?<!\w)(?:должн|поручен|поручил|обязан|необходимо|срок)\w*)"
)


def is_deadline(ctx: Ctx, hit: Hit) -> bool:
    """ "by September 16", "until", "no later than", «до 1 октября», «к 16 сентября»..."""
    if just_before(ctx, hit.start, DEADLINE_BEFORE):
        return True
    words = ctx.text[hit.start : hit.end].lower()
    if words.startswith(("the end", "end", "конц")) and just_before(ctx, hit.start, END_DEADLINE):
        return True
    # "before 1 October" is a deadline when something is due
    if just_before(ctx, hit.start, BEFORE):
        sentence_start = max(ctx.text.rfind(".", 0, hit.start), ctx.text.rfind("\n", 0, hit.start))
        return OBLIGATION.search(ctx.text, sentence_start + 1, hit.end + 80) is not None
    return False


def event_value(ctx: Ctx, hits: list[Hit], deadlines: set[int]) -> str | None:
    """The date of the main reported event: the first full date of the lead near publication
    (up to a month before it, or the day after for time zones)."""
    lead_end = max(700, len(ctx.text) // 3)
    for i, hit in enumerate(hits):
        if hit.start > lead_end:
            break
        if i in deadlines or len(hit.value) != 10 or hit.confidence < 0.6:
            continue
        if ctx.base is not None and not -31 <= (date.fromisoformat(hit.value) - ctx.base).days <= 1:
            continue
        return hit.value
    return None
