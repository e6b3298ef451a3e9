"""English month names and weekdays, extended to the left ("On Thursday, 16" before
"September")."""

from __future__ import annotations

import re

from outpost.analyze.dates.hits import DAY, ORDINAL, Ctx, Hit, inside_word, just_before, literals
from outpost.analyze.dates.resolve import day_month, month_alone, weekday_near

EN_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EN_WD_ABBR = ("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun")

EN_MON = literals(EN_MONTHS, upper_first=False, dot=True)
EN_WD_FULL = literals(EN_WEEKDAYS, upper_first=False)
EN_WD = "(?:" + EN_WD_FULL + "|" + literals(EN_WD_ABBR, upper_first=False, dot=True) + ")"

EN_LEFT_DAY = re.compile(
    rf"(?<![\w.,:/])(?:(?:(?i:on)\s+)?{EN_WD},?\s+)?(?:(?i:the)\s+)?(?P<d>{DAY}){ORDINAL}"
    rf"(?:\s*[-–]\s*{DAY}{ORDINAL})?(?:\s+(?i:of))?\s+$"
)
EN_LEFT_WD = re.compile(rf"(?<!\w)(?:(?i:on)\s+)?{EN_WD},?\s+$")
EN_LEFT_CUE = re.compile(
    r"(?i:\b(?P<cue>in|since|until|till|by|from|during|before|after|through|throughout|last|next"
    r"|this|early|late|mid)[\s-]+|\b(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+)$"
)
WEEKDAY_NOT_DATE = re.compile(r"(?i:(?:good|black|cyber|ash|palm|easter|bloody|holy)\s+)$")
EN_WD_MOD = re.compile(r"(?i:(?<!\w)(?P<mod>last|next|this|coming|past|on)\s+)$")


def month_name(m: re.Match[str], ctx: Ctx) -> Hit | None:
    if inside_word(ctx, m.start()):
        return None
    name = m.group("m").rstrip(".").lower()
    month, start, year = EN_MONTHS[name], m.start(), m.group("y")
    if m.group("d"):  # September 16(, 2021)
        left = just_before(ctx, start, EN_LEFT_WD)
        return day_month(
            ctx, (left.start() if left else start, m.end()), month, int(m.group("d")), year
        )
    if left := just_before(ctx, start, EN_LEFT_DAY):  # (On Thursday,) 16(th of) September (2021)
        return day_month(ctx, (left.start(), m.end()), month, int(left.group("d")), year)
    if year:
        return Hit(start, m.end(), f"{int(year):04d}-{month:02d}", 0.9)
    cue = just_before(ctx, start, EN_LEFT_CUE)
    if cue is None or (len(name) <= 4 and name not in ("may", "june", "july")):
        return None  # a bare month name is a date only after "in", "since", "end of"...
    return month_alone(ctx, (start, m.end("m")), month, (cue.group("cue") or "").lower())


def weekday_name(m: re.Match[str], ctx: Ctx) -> Hit | None:
    start = m.start()
    if inside_word(ctx, start) or just_before(ctx, start, WEEKDAY_NOT_DATE):
        return None
    mod = just_before(ctx, start, EN_WD_MOD)
    span = (mod.start() if mod else start, m.end())
    word = mod.group("mod").lower() if mod else ""
    return weekday_near(ctx, span, EN_WEEKDAYS.index(m.group(0).lower()), word)
