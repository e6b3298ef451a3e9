"""Words that count from the publication day, in English and Russian: "yesterday",
"next week", "three days ago", "the end of the year", «позавчера», «в прошлом месяце»."""

from __future__ import annotations

import re
from datetime import timedelta

from outpost.analyze.dates.hits import Ctx, Hit, inside_word, just_before
from outpost.analyze.dates.resolve import shifted

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "один": 1, "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
}  # fmt: skip
NUMBER_BEFORE = re.compile(
    r"(?i:(?<!\w)(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve|один|одну|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять)\s+)$"
)
EN_THE = re.compile(r"(?i:(?<!\w)the\s+)$")
RELATIVE_DAYS = {
    "the day before yesterday": -2, "yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1,
    "the day after tomorrow": 2, "позавчера": -2, "вчера": -1, "сегодня": 0, "завтра": 1,
    "послезавтра": 2,
}  # fmt: skip


def day_word(m: re.Match[str], ctx: Ctx) -> Hit | None:
    if ctx.base is None or inside_word(ctx, m.start()):
        return None
    key = " ".join(m.group(0).lower().split())
    if key == "today" and ctx.text[m.end() : m.end() + 2] in ("'s", "’s"):
        return None  # "today's Afghanistan" is the present, not a day
    shift = RELATIVE_DAYS[key]
    # "today" in news often means "nowadays"; the day it names is the publication day anyway
    conf = 0.6 if shift == 0 else 0.85
    return Hit(m.start(), m.end(), (ctx.base + timedelta(days=shift)).isoformat(), conf)


UNIT_SIGN = {"last": -1, "this": 0, "earlier this": 0, "later this": 0, "next": 1,
             "прошлой": -1, "прошлом": -1, "минувшей": -1, "минувшем": -1, "этой": 0, "этом": 0,
             "текущей": 0, "текущем": 0, "следующей": 1, "следующем": 1, "будущей": 1,
             "будущем": 1}  # fmt: skip


def this_next_last(m: re.Match[str], ctx: Ctx) -> Hit | None:
    if ctx.base is None or inside_word(ctx, m.start()):
        return None
    mod = " ".join(m.group("mod").lower().split())
    unit = (m.group("unit") or "неделе").lower()
    return Hit(m.start(), m.end(), *shifted(ctx.base, unit, UNIT_SIGN[mod]))


def ago(m: re.Match[str], ctx: Ctx) -> Hit | None:
    if ctx.base is None:
        return None
    number = just_before(ctx, m.start(), NUMBER_BEFORE)
    if number is None:  # "год назад" is one year; "несколько лет назад" is no date
        if (
            m.group("unit").lower() not in ("день", "неделю", "месяц", "год")
            or inside_word(ctx, m.start())
            or re.search(r"(?i:(?:несколько|пару|много|сколько)\s+)$", ctx.text[: m.start()])
        ):
            return None
        n, start = 1, m.start()
    else:
        word = number.group("n").lower()
        n, start = (int(word) if word.isdigit() else NUMBER_WORDS[word]), number.start()
    return Hit(start, m.end(), *shifted(ctx.base, m.group("unit").lower(), -n))


def end_of(m: re.Match[str], ctx: Ctx) -> Hit | None:
    if ctx.base is None or inside_word(ctx, m.start()):
        return None
    the = just_before(ctx, m.start(), EN_THE)
    start = the.start() if the else m.start()
    if m.group("unit").lower().startswith(("year", "год")):
        return Hit(start, m.end(), f"{ctx.base.year:04d}", 0.75)
    return Hit(start, m.end(), ctx.base.strftime("%Y-%m"), 0.75)
