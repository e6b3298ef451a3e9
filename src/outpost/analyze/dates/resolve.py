"""Resolution against the publication date: the year, the week and the side of it a date
expression without a year means."""

from __future__ import annotations

import re
from datetime import date, timedelta

from outpost.analyze.dates.hits import Ctx, Hit

FUTURE = re.compile(
    r"(?i:\b(?:will|shall|is\s+to|are\s+to|is\s+due|are\s+due|scheduled|plans?\s+to|planned"
    r"|expected\s+to|expect|going\s+to|upcoming|next)\b|'ll\b"
    r"|\b(?:будет|будут|состоится|пройд[её]т|планиру\w*|намерен\w*|предстоящ\w*|ожида\w*))"
)
REPORTED = re.compile(
    r"(?i:\b(?:said|says|told|announced|reported|stated|added|confirmed|заявил\w*|сообщил\w*"
    r"|сказал\w*|отметил\w*)\s+(?:on\s+)?)$"
)
SENTENCE_END = re.compile(r"[.!?\n]")
CLAUSE_BREAK = re.compile(r"(?i:[.!?\n;]|\b(?:that|which|who|when|said|says|что|который)\b)")


def _future(ctx: Ctx, start: int, end: int) -> bool:
    """Whether the clause around a date speaks of the future (decides "on Monday", "in May").

    "He said Monday that talks will resume" is past: the date belongs to the reporting verb,
    and a future verb beyond "that" belongs to another clause.
    """
    left = ctx.text[max(0, start - 120) : start]
    if REPORTED.search(left):
        return False
    cut = [m.end() for m in SENTENCE_END.finditer(left)]
    left = left[cut[-1] :] if cut else left
    right = ctx.text[end : end + 60]
    stop = CLAUSE_BREAK.search(right)
    right = right[: stop.start()] if stop else right
    return FUTURE.search(left) is not None or FUTURE.search(right) is not None


def valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_month(
    ctx: Ctx, span: tuple[int, int], month: int, day: int, year: str | None, conf: float = 0.9
) -> Hit | None:
    """A day of a month; without a year, the year that puts it nearest the publication date
    (the next one when the clause speaks of the future and that is within half a year)."""
    if year:
        found = valid_date(int(year), month, day)
        return Hit(*span, found.isoformat(), 0.95) if found else None
    base = ctx.base
    if base is None:
        return None
    options = [
        d for y in (base.year - 1, base.year, base.year + 1) if (d := valid_date(y, month, day))
    ]
    if not options:
        return None
    chosen = min(options, key=lambda d: abs((d - base).days))
    if _future(ctx, *span):
        chosen = next((d for d in options if 0 <= (d - base).days <= 183), chosen)
    return Hit(*span, chosen.isoformat(), conf)


def month_alone(ctx: Ctx, span: tuple[int, int], month: int, cue: str) -> Hit | None:
    if ctx.base is None:
        return None
    index = ctx.base.year * 12 + ctx.base.month - 1
    options = [y * 12 + month - 1 for y in (ctx.base.year - 1, ctx.base.year, ctx.base.year + 1)]
    if cue in ("last", "прошлом"):
        chosen = max(o for o in options if o < index)
    elif cue == "this":
        chosen = options[1]
    elif cue in ("next", "следующем") or _future(ctx, *span):
        chosen = min(o for o in options if o >= index)
    else:  # news reports what happened: a bare month is the latest one up to this month
        chosen = max(o for o in options if o <= index)
    return Hit(*span, f"{chosen // 12:04d}-{chosen % 12 + 1:02d}", 0.75)


def shifted(base: date, unit: str, n: int) -> tuple[str, float]:
    """n days, weeks, months or years away; the value keeps only the precision the words give."""
    if unit.startswith(("week", "недел")):
        # the record has no week precision; the same weekday n weeks away is the closest
        return (base + timedelta(weeks=n)).isoformat(), 0.5
    if unit.startswith(("day", "ден", "дн")):
        return (base + timedelta(days=n)).isoformat(), 0.8
    if unit.startswith(("month", "месяц")):
        index = base.year * 12 + base.month - 1 + n
        return f"{index // 12:04d}-{index % 12 + 1:02d}", 0.75
    return f"{base.year + n:04d}", 0.75


def weekday_near(ctx: Ctx, span: tuple[int, int], weekday: int, mod: str) -> Hit | None:
    if ctx.base is None:
        return None
    ahead = (weekday - ctx.base.weekday()) % 7  # 0..6
    back = (ctx.base.weekday() - weekday) % 7
    if mod in {"next", "coming"} or mod.startswith(("следующ", "ближайш", "будущ")):
        shift = ahead or 7
    elif mod in {"last", "past"} or mod.startswith(("прошл", "минувш")):
        shift = -(back or 7)
    elif _future(ctx, *span):
        shift = ahead  # "will meet on Thursday" in Thursday's paper is that same day
    else:
        shift = -back
    return Hit(*span, (ctx.base + timedelta(days=shift)).isoformat(), 0.75)
