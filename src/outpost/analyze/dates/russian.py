"""Russian month names and weekdays: «16 сентября 2021 г.», «в прошлом мае», «в среду»."""

from __future__ import annotations

import re

from outpost.analyze.dates.hits import DAY, Ctx, Hit, inside_word, just_before
from outpost.analyze.dates.resolve import day_month, month_alone, weekday_near

SOFT_ENDINGS = ("ь", "я", "е", "ю", "ём", "ем")  # январь, января, январе, январю, январём
RU_MONTHS = {
    **{s + e: n for n, s in ((1, "январ"), (2, "феврал"), (4, "апрел"), (6, "июн"), (7, "июл"),
                             (9, "сентябр"), (10, "октябр"), (11, "ноябр"), (12, "декабр"))
       for e in SOFT_ENDINGS},
    **{s + e: n for n, s in ((3, "март"), (8, "август")) for e in ("", "а", "е", "у", "ом")},
    **{"май": 5, "мая": 5, "мае": 5, "маю": 5, "маем": 5},
}  # fmt: skip
RU_GENITIVE = {w for w in RU_MONTHS if w.endswith("я") or w in ("марта", "августа")}
RU_WEEKDAYS = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресенье")
RU_WD = r"(?:понедельник|вторник|сред[уа]|четверг|пятниц[уа]|суббот[уа]|воскресенье)"
RU_YEAR_WORD = r"(?:\s*(?:года|году|год|г\.|г)(?!\w))"

RU_LEFT_DAY = re.compile(
    rf"(?i:(?<![\w.,:/])(?:(?:(?:в|во)\s+(?:(?:прошл|минувш|эт|следующ|ближайш|будущ)\w*\s+)?)?"
    rf"{RU_WD},?\s+)?(?P<d>{DAY})(?:\s*[-–]\s*{DAY})?\s+)$"
)
RU_LEFT_CUE = re.compile(
    r"(?i:(?<!\w)(?P<cue>в|во|с|со|до|к|по|начал[еау]|конц[еау]|середин[еыу]|прошлом"
    r"|следующем)\s+)$"
)
RU_WD_LEFT = re.compile(
    r"(?i:(?<!\w)(?:в|во)\s+(?:(?P<mod>прошл(?:ый|ую|ое)|минувш(?:ий|ую|ее)|эт(?:от|у|о)"
    r"|следующ(?:ий|ую|ее)|ближайш(?:ий|ую|ее)|будущ(?:ий|ую|ее))\s+)?)$"
)


def month_name(m: re.Match[str], ctx: Ctx) -> Hit | None:
    if inside_word(ctx, m.start()):
        return None
    word, start, year = m.group("m").lower(), m.start(), m.group("y")
    month = RU_MONTHS[word]
    # 16 сентября 2021 г.
    if word in RU_GENITIVE and (left := just_before(ctx, start, RU_LEFT_DAY)):
        return day_month(ctx, (left.start(), m.end()), month, int(left.group("d")), year)
    if year:
        return Hit(start, m.end(), f"{int(year):04d}-{month:02d}", 0.9)
    cue = just_before(ctx, start, RU_LEFT_CUE)
    if cue is None:
        return None
    return month_alone(ctx, (start, m.end("m")), month, cue.group("cue").lower())


def weekday_name(m: re.Match[str], ctx: Ctx) -> Hit | None:
    left = just_before(ctx, m.start(), RU_WD_LEFT)
    if left is None:  # Russian says "в понедельник"; a bare "среда" is an environment
        return None
    low = m.group(0).lower()
    weekday = next(i for i, w in enumerate(RU_WEEKDAYS) if low.startswith(w))
    return weekday_near(ctx, (left.start(), m.end()), weekday, (left.group("mod") or "").lower())
