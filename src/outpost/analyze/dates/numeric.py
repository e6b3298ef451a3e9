"""Dates headed by digits: a year after a temporal cue or «году», 2021-09-16, and
16.09.2021 or 9/16/2021."""

from __future__ import annotations

import re

from outpost.analyze.dates.hits import Ctx, Hit, just_before
from outpost.analyze.dates.resolve import valid_date

EN_YEAR_CUE = re.compile(
    r"(?i:\b(?:in|since|until|till|by|from|during|before|after|through|throughout|early|late|mid"
    r"|(?:the\s+)?(?:end|beginning|start|middle|spring|summer|autumn|fall|winter|first\s+half"
    r"|second\s+half)\s+of)[\s-]+)$"
)
# "in 2021 cases", "by 2024 votes": a count after a preposition, not a year
EN_YEAR_COUNT = re.compile(
    r"\s*(?:[-–]\s*\d|%|per\s*cent|(?:people|persons|men|women|children|troops|soldiers)\b"
    r"|[a-z]+s\b(?<!\bwas)(?<!\bis)(?<!\bhas)(?<!\bas)(?<!\bits)(?<!\bthis)(?<!\bhis)(?<!\bus))"
)


def year(m: re.Match[str], ctx: Ctx) -> Hit | None:
    start, text = m.start(), ctx.text
    if start > 0 and (text[start - 1] in "0123456789.,/:" or (text[start - 1] == "-" and start > 1
                      and text[start - 2].isdigit())):  # fmt: skip
        return None
    if m.group("mm"):  # 2021-09-16
        found = valid_date(int(m.group("y")), int(m.group("mm")), int(m.group("dd")))
        return Hit(start, m.end(), found.isoformat(), 0.95) if found else None
    if m.group("ru"):  # 2021 году
        return Hit(start, m.end(), m.group("y"), 0.85)
    if just_before(ctx, start, EN_YEAR_CUE) and not EN_YEAR_COUNT.match(text, m.end()):
        return Hit(start, m.end(), m.group("y"), 0.8)
    return None


def digits(m: re.Match[str], ctx: Ctx, month_first: bool) -> Hit | None:
    if m.start() > 0 and ctx.text[m.start() - 1] in "0123456789./":
        return None
    if m.group("sep") == "." and len(m.group("b")) < 2:
        return None  # "1.2.2021" reads as a version number; dated text writes "01.02.2021"
    a, b = int(m.group("a")), int(m.group("b"))
    # dots are day-first everywhere; slashes month-first in English unless that cannot be
    if a > 12 or ((m.group("sep") == "." or not month_first) and b <= 12):
        day, month = a, b
    else:
        day, month = b, a
    found = valid_date(int(m.group("y")), month, day)
    return Hit(m.start(), m.end(), found.isoformat(), 0.9) if found else None
