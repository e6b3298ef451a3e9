"""Date expressions resolved against the publication date (stage 6).

A date is never guessed from a bare number ("21 passengers", "45%", "2024 cases"): every
candidate starts at a head word — a month, a weekday, "yesterday", "ago", a year with a temporal
cue or "году" — and is then extended to the left ("On Thursday, 16" before "September").
Each head pattern starts with plain literals, which lets the regex engine skip ahead with a fast
prefix scan; a pattern that starts with a lookbehind or ``\\b`` costs ten times more.

The pieces are already known (day, month, year), so they are resolved here rather than by
``dateparser.parse``: a hundred times faster, and the missing year is chosen by nearness to the
publication date ("August 20" in a story of 23 August 2021 is 2021-08-20; "by September 16" is
2021-09-16). dateparser still supplies month names and "yesterday" in languages other than
English and Russian.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from outpost import records

DAY = r"(?:3[01]|[12]\d|0?[1-9])(?!\d)"
YEAR = r"(?:19\d\d|20\d\d)(?![\d%])"
ORDINAL = r"(?:st|nd|rd|th)?"
# Arabic and Persian digits, one character each, so offsets stay the same
ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
OTHER_DIGITS = re.compile("[٠-٩۰-۹]")  # translate costs 0.7 ms on 5,000 characters: only if needed
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "один": 1, "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
}  # fmt: skip
EN_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EN_WD_ABBR = ("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun")
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
TG_MONTHS = ("январ", "феврал", "март", "апрел", "май", "июн", "июл", "август", "сентябр",
             "октябр", "ноябр", "декабр")  # fmt: skip  # Tajik: not in dateparser


def _literals(words: Iterable[str], upper_first: bool = True, dot: bool = False) -> str:
    """Literal alternatives (lower, Title, UPPER), longest first; literals keep the scan fast."""
    forms = {f for w in words for f in (w, w[:1].upper() + w[1:], w.upper())}
    if not upper_first:  # English months and weekdays: Title and UPPER only ("may", "march")
        forms = {f for f in forms if f[:1].isupper()}
    body = "|".join(re.escape(f) + (r"\.?" if dot and len(f) <= 4 else "") for f in forms)
    return "(?:" + "|".join(sorted(body.split("|"), key=len, reverse=True)) + ")"


EN_MON = _literals(EN_MONTHS, upper_first=False, dot=True)
EN_WD_FULL = _literals(EN_WEEKDAYS, upper_first=False)
EN_WD = "(?:" + EN_WD_FULL + "|" + _literals(EN_WD_ABBR, upper_first=False, dot=True) + ")"
RU_WD = r"(?:понедельник|вторник|сред[уа]|четверг|пятниц[уа]|суббот[уа]|воскресенье)"
RU_YEAR_WORD = r"(?:\s*(?:года|году|год|г\.|г)(?!\w))"


@dataclass(frozen=True)
class _Ctx:
    text: str  # digits made ASCII, same length as the input
    base: date | None


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    value: str
    confidence: float


Handler = Callable[[re.Match[str], "_Ctx"], "_Hit | None"]


def _left(ctx: _Ctx, pos: int, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """`pattern` (ending in `$`) matched against the few characters just before `pos`."""
    return pattern.search(ctx.text, max(0, pos - 60), pos)


def _inside_word(ctx: _Ctx, pos: int) -> bool:
    return pos > 0 and ctx.text[pos - 1].isalnum()


# Choosing the year, the week, the side of the publication date ------------------------------

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


def _future(ctx: _Ctx, start: int, end: int) -> bool:
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


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_month(
    ctx: _Ctx, span: tuple[int, int], month: int, day: int, year: str | None, conf: float = 0.9
) -> _Hit | None:
    """A day of a month; without a year, the year that puts it nearest the publication date
    (the next one when the clause speaks of the future and that is within half a year)."""
    if year:
        found = _day(int(year), month, day)
        return _Hit(*span, found.isoformat(), 0.95) if found else None
    base = ctx.base
    if base is None:
        return None
    options = [d for y in (base.year - 1, base.year, base.year + 1) if (d := _day(y, month, day))]
    if not options:
        return None
    chosen = min(options, key=lambda d: abs((d - base).days))
    if _future(ctx, *span):
        chosen = next((d for d in options if 0 <= (d - base).days <= 183), chosen)
    return _Hit(*span, chosen.isoformat(), conf)


def _month_alone(ctx: _Ctx, span: tuple[int, int], month: int, cue: str) -> _Hit | None:
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
    return _Hit(*span, f"{chosen // 12:04d}-{chosen % 12 + 1:02d}", 0.75)


def _shift(base: date, unit: str, n: int) -> tuple[str, float]:
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


def _weekday(ctx: _Ctx, span: tuple[int, int], weekday: int, mod: str) -> _Hit | None:
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
    return _Hit(*span, (ctx.base + timedelta(days=shift)).isoformat(), 0.75)


# English -------------------------------------------------------------------------------------

EN_LEFT_DAY = re.compile(
    rf"(?<![\w.,:/])(?:(?:(?i:on)\s+)?{EN_WD},?\s+)?(?:(?i:the)\s+)?(?P<d>{DAY}){ORDINAL}"
    rf"(?:\s*[-–]\s*{DAY}{ORDINAL})?(?:\s+(?i:of))?\s+$"
)
EN_LEFT_WD = re.compile(rf"(?<!\w)(?:(?i:on)\s+)?{EN_WD},?\s+$")
EN_LEFT_CUE = re.compile(
    r"(?i:\b(?P<cue>in|since|until|till|by|from|during|before|after|through|throughout|last|next"
    r"|this|early|late|mid)[\s-]+|\b(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+)$"
)
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
WEEKDAY_NOT_DATE = re.compile(r"(?i:(?:good|black|cyber|ash|palm|easter|bloody|holy)\s+)$")
EN_WD_MOD = re.compile(r"(?i:(?<!\w)(?P<mod>last|next|this|coming|past|on)\s+)$")
EN_AGO_NUMBER = re.compile(
    r"(?i:(?<!\w)(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve)\s+)$"
)
EN_THE = re.compile(r"(?i:(?<!\w)the\s+)$")


def _en_month(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if _inside_word(ctx, m.start()):
        return None
    name = m.group("m").rstrip(".").lower()
    month, start, year = EN_MONTHS[name], m.start(), m.group("y")
    if m.group("d"):  # September 16(, 2021)
        left = _left(ctx, start, EN_LEFT_WD)
        return _day_month(
            ctx, (left.start() if left else start, m.end()), month, int(m.group("d")), year
        )
    if left := _left(ctx, start, EN_LEFT_DAY):  # (On Thursday,) 16(th of) September (2021)
        return _day_month(ctx, (left.start(), m.end()), month, int(left.group("d")), year)
    if year:
        return _Hit(start, m.end(), f"{int(year):04d}-{month:02d}", 0.9)
    cue = _left(ctx, start, EN_LEFT_CUE)
    if cue is None or (len(name) <= 4 and name not in ("may", "june", "july")):
        return None  # a bare month name is a date only after "in", "since", "end of"...
    return _month_alone(ctx, (start, m.end("m")), month, (cue.group("cue") or "").lower())


def _year(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    start, text = m.start(), ctx.text
    if start > 0 and (text[start - 1] in "0123456789.,/:" or (text[start - 1] == "-" and start > 1
                      and text[start - 2].isdigit())):  # fmt: skip
        return None
    if m.group("mm"):  # 2021-09-16
        found = _day(int(m.group("y")), int(m.group("mm")), int(m.group("dd")))
        return _Hit(start, m.end(), found.isoformat(), 0.95) if found else None
    if m.group("ru"):  # 2021 году
        return _Hit(start, m.end(), m.group("y"), 0.85)
    if _left(ctx, start, EN_YEAR_CUE) and not EN_YEAR_COUNT.match(text, m.end()):
        return _Hit(start, m.end(), m.group("y"), 0.8)
    return None


def _numeric(m: re.Match[str], ctx: _Ctx, month_first: bool) -> _Hit | None:
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
    found = _day(int(m.group("y")), month, day)
    return _Hit(m.start(), m.end(), found.isoformat(), 0.9) if found else None


RELATIVE_DAYS = {
    "the day before yesterday": -2, "yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1,
    "the day after tomorrow": 2, "позавчера": -2, "вчера": -1, "сегодня": 0, "завтра": 1,
    "послезавтра": 2,
}  # fmt: skip


def _relative_day(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if ctx.base is None or _inside_word(ctx, m.start()):
        return None
    key = " ".join(m.group(0).lower().split())
    if key == "today" and ctx.text[m.end() : m.end() + 2] in ("'s", "’s"):
        return None  # "today's Afghanistan" is the present, not a day
    shift = RELATIVE_DAYS[key]
    # "today" in news often means "nowadays"; the day it names is the publication day anyway
    conf = 0.6 if shift == 0 else 0.85
    return _Hit(m.start(), m.end(), (ctx.base + timedelta(days=shift)).isoformat(), conf)


def _en_weekday(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    start = m.start()
    if _inside_word(ctx, start) or _left(ctx, start, WEEKDAY_NOT_DATE):
        return None
    mod = _left(ctx, start, EN_WD_MOD)
    span = (mod.start() if mod else start, m.end())
    word = mod.group("mod").lower() if mod else ""
    return _weekday(ctx, span, EN_WEEKDAYS.index(m.group(0).lower()), word)


UNIT_SIGN = {"last": -1, "this": 0, "earlier this": 0, "later this": 0, "next": 1,
             "прошлой": -1, "прошлом": -1, "минувшей": -1, "минувшем": -1, "этой": 0, "этом": 0,
             "текущей": 0, "текущем": 0, "следующей": 1, "следующем": 1, "будущей": 1,
             "будущем": 1}  # fmt: skip


def _this_next_last(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if ctx.base is None or _inside_word(ctx, m.start()):
        return None
    mod = " ".join(m.group("mod").lower().split())
    unit = (m.group("unit") or "неделе").lower()
    return _Hit(m.start(), m.end(), *_shift(ctx.base, unit, UNIT_SIGN[mod]))


def _ago(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if ctx.base is None:
        return None
    number = _left(ctx, m.start(), NUMBER_BEFORE)
    if number is None:  # "год назад" is one year; "несколько лет назад" is no date
        if (
            m.group("unit").lower() not in ("день", "неделю", "месяц", "год")
            or _inside_word(ctx, m.start())
            or re.search(r"(?i:(?:несколько|пару|много|сколько)\s+)$", ctx.text[: m.start()])
        ):
            return None
        n, start = 1, m.start()
    else:
        word = number.group("n").lower()
        n, start = (int(word) if word.isdigit() else NUMBER_WORDS[word]), number.start()
    return _Hit(start, m.end(), *_shift(ctx.base, m.group("unit").lower(), -n))


NUMBER_BEFORE = re.compile(
    r"(?i:(?<!\w)(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve|один|одну|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять)\s+)$"
)


def _end_of(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if ctx.base is None or _inside_word(ctx, m.start()):
        return None
    the = _left(ctx, m.start(), EN_THE)
    start = the.start() if the else m.start()
    if m.group("unit").lower().startswith(("year", "год")):
        return _Hit(start, m.end(), f"{ctx.base.year:04d}", 0.75)
    return _Hit(start, m.end(), ctx.base.strftime("%Y-%m"), 0.75)


# Russian -------------------------------------------------------------------------------------

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


def _ru_month(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if _inside_word(ctx, m.start()):
        return None
    word, start, year = m.group("m").lower(), m.start(), m.group("y")
    month = RU_MONTHS[word]
    if word in RU_GENITIVE and (left := _left(ctx, start, RU_LEFT_DAY)):  # 16 сентября 2021 г.
        return _day_month(ctx, (left.start(), m.end()), month, int(left.group("d")), year)
    if year:
        return _Hit(start, m.end(), f"{int(year):04d}-{month:02d}", 0.9)
    cue = _left(ctx, start, RU_LEFT_CUE)
    if cue is None:
        return None
    return _month_alone(ctx, (start, m.end("m")), month, cue.group("cue").lower())


def _ru_weekday(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    left = _left(ctx, m.start(), RU_WD_LEFT)
    if left is None:  # Russian says "в понедельник"; a bare "среда" is an environment
        return None
    low = m.group(0).lower()
    weekday = next(i for i, w in enumerate(RU_WEEKDAYS) if low.startswith(w))
    return _weekday(ctx, (left.start(), m.end()), weekday, (left.group("mod") or "").lower())


# Rules: a head pattern and what to make of it -------------------------------------------------

Rules = tuple[tuple[re.Pattern[str], Handler], ...]
EN_RELATIVE = ("the day before yesterday", "the day after tomorrow", "yesterday", "today",
               "tomorrow", "tonight")  # fmt: skip
RU_RELATIVE = ("позавчера", "послезавтра", "вчера", "сегодня", "завтра")
RU_WEEKDAY_WORDS = ("понедельник", "вторник", "среду", "четверг", "пятницу", "субботу",
                    "воскресенье")  # fmt: skip

RULES: Rules = tuple(
    (re.compile(p), h)
    for p, h in (
        (
            rf"(?P<m>{EN_MON})(?![A-Za-z])(?:\s+(?P<d>{DAY}){ORDINAL}(?:\s*[-–]\s*{DAY})?"
            rf"(?!\s*%|[:.,]\d))?(?:,?\s+(?P<y>{YEAR}))?",
            _en_month,
        ),
        (
            r"(?P<y>19\d\d|20\d\d)(?![\d%])(?:-(?P<mm>0[1-9]|1[0-2])-(?P<dd>0[1-9]|[12]\d|3[01])"
            rf"(?!\d)|(?P<ru>\s*(?:-?(?:го|м|й)\s+)?{RU_YEAR_WORD}))?",
            _year,
        ),
        (_literals(EN_RELATIVE) + r"(?!\w)", _relative_day),
        (EN_WD_FULL + r"(?![A-Za-z])", _en_weekday),
        (
            rf"(?P<mod>{_literals(('last', 'next', 'this', 'earlier this', 'later this'))})\s+"
            r"(?P<unit>week|month|year)(?!\w)",
            _this_next_last,
        ),
        (r"(?P<unit>day|week|month|year)s?\s+ago(?!\w)", _ago),
        (r"(?:end|End|END)\s+of\s+(?:the|this)\s+(?P<unit>year|month)(?!\w)", _end_of),
        (rf"(?P<m>{_literals(RU_MONTHS)})(?!\w)(?:\s+(?P<y>{YEAR}){RU_YEAR_WORD}?)?", _ru_month),
        (_literals(RU_RELATIVE) + r"(?!\w)", _relative_day),
        (
            _literals(RU_WEEKDAY_WORDS)
            # "в среду мигрантов" is "into the milieu of migrants", not Wednesday
            + r"(?!\w)(?!\s+(?:окружающ\w*|обитани\w*|\w+(?:ов|ев|ей|их|ых|ости|ежи|ания|ения)\b))",
            _ru_weekday,
        ),
        (
            r"(?:на|На)\s+(?P<mod>прошлой|этой|текущей|следующей|минувшей|будущей)\s+"
            r"(?P<unit>неделе)(?!\w)",
            _this_next_last,
        ),
        (
            r"(?:в|В)\s+(?P<mod>прошлом|этом|текущем|следующем|минувшем|будущем)\s+"
            r"(?P<unit>месяце|году)(?!\w)",
            _this_next_last,
        ),
        (r"(?P<unit>дн(?:я|ей)|день|недел[юиь]|месяц(?:а|ев)?|год(?:а)?|лет)\s+назад(?!\w)", _ago),
        (
            r"(?:конц[ае]|концу|Конц[ае]|Концу)\s+(?:этого\s+|текущего\s+|нынешнего\s+)?"
            r"(?P<unit>года|месяца)(?!\w)",
            _end_of,
        ),
    )
)
NUMERIC = re.compile(
    r"(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<y>19\d\d|20\d\d)(?![./]?\d)"
)


# Other languages: month names and "yesterday" from dateparser's locale data ------------------


def _locale_info(lang: str) -> dict[str, object]:
    from dateparser.languages.loader import default_loader

    try:
        info: dict[str, object] = default_loader.get_locale(lang).info
    except (ValueError, KeyError):
        return {}
    return info


def _words(info: dict[str, object], key: str) -> list[str]:
    found = info.get(key, [])
    return [w.lower() for w in found if isinstance(w, str)] if isinstance(found, list) else []


def _foreign_months(lang: str) -> dict[str, int]:
    if lang == "tg":
        return {name: n for n, name in enumerate(TG_MONTHS, start=1)}
    info = _locale_info(lang)
    keys = ("january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december")  # fmt: skip
    # short abbreviations collide with ordinary words
    return {w: n for n, key in enumerate(keys, 1) for w in _words(info, key) if len(w) >= 4}


def _foreign_relative(lang: str) -> dict[str, int]:
    if lang == "tg":
        return {"дирӯз": -1, "имрӯз": 0, "фардо": 1}
    relative = _locale_info(lang).get("relative-type", {})
    if not isinstance(relative, dict):
        return {}
    shifts = {"1 day ago": -1, "0 day ago": 0, "in 1 day": 1}
    return {w: n for key, n in shifts.items() for w in _words(relative, key) if len(w) > 2}


FOREIGN_LEFT_DAY = re.compile(
    rf"(?<![\w.,:/])(?:(?P<y>{YEAR})[-\s]*\w*\s+)?(?P<d>{DAY})\.?\s*-?\s*$"
)


def _foreign_rules(lang: str) -> Rules:
    """ "16 қыркүйек", "2021 жылғы 16 қыркүйекте", "16-sentabr", "۲۵ سپتامبر ۲۰۲۱", "кеше"."""
    months, relative = _foreign_months(lang), _foreign_relative(lang)

    def month(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
        number = months[m.group("m").lower()]
        if m.group("d"):
            return _day_month(
                ctx, (m.start(), m.end()), number, int(m.group("d")), m.group("y"), 0.8
            )
        left = _left(ctx, m.start(), FOREIGN_LEFT_DAY)
        if left is None:
            return None
        year = left.group("y") or m.group("y")
        return _day_month(ctx, (left.start(), m.end()), number, int(left.group("d")), year, 0.8)

    def day(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
        if ctx.base is None or _inside_word(ctx, m.start()):
            return None
        shift = relative[m.group(0).lower()]
        value = (ctx.base + timedelta(days=shift)).isoformat()
        return _Hit(m.start(), m.end(), value, 0.6 if shift == 0 else 0.8)

    rules: list[tuple[re.Pattern[str], Handler]] = []
    if months:  # agglutinative endings are allowed: "қыркүйекте", "sentabrda", "сентябри"
        rules.append((
            re.compile(
                rf"(?P<m>{_literals(months)})\w*(?:(?:\s+(?P<d>{DAY}))?(?:,?\s+(?P<y>{YEAR}))?)"
            ),
            month,
        ))  # fmt: skip
    if relative:
        rules.append((re.compile(_literals(relative) + r"(?!\w)"), day))
    return tuple(rules)


@functools.cache
def _rules(lang: str | None) -> Rules:
    """English, Russian and numeric dates always; those of the article's other language too."""
    month_first = lang in (None, "en")

    def numeric(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
        return _numeric(m, ctx, month_first)

    found = (*RULES, (NUMERIC, numeric))
    if lang and lang not in ("en", "ru"):
        found += _foreign_rules(lang)
    return found


# Roles ---------------------------------------------------------------------------------------

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


def _is_deadline(ctx: _Ctx, hit: _Hit) -> bool:
    """ "by September 16", "until", "no later than", «до 1 октября», «к 16 сентября»..."""
    if _left(ctx, hit.start, DEADLINE_BEFORE):
        return True
    words = ctx.text[hit.start : hit.end].lower()
    if words.startswith(("the end", "end", "конц")) and _left(ctx, hit.start, END_DEADLINE):
        return True
    if _left(ctx, hit.start, BEFORE):  # "before 1 October" is a deadline when something is due
        sentence_start = max(ctx.text.rfind(".", 0, hit.start), ctx.text.rfind("\n", 0, hit.start))
        return OBLIGATION.search(ctx.text, sentence_start + 1, hit.end + 80) is not None
    return False


def _event_value(ctx: _Ctx, hits: list[_Hit], deadlines: set[int]) -> str | None:
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


# The stage -----------------------------------------------------------------------------------


def _hits(ctx: _Ctx, lang: str | None) -> list[_Hit]:
    hits = [
        hit
        for pattern, handle in _rules(lang)
        for m in pattern.finditer(ctx.text)
        if (hit := handle(m, ctx)) is not None
    ]
    # the longest at each place wins; a span overlapping one kept already is dropped
    hits.sort(key=lambda h: (h.start, h.start - h.end))
    kept: list[_Hit] = []
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
    ctx = _Ctx(ascii_text, published.date() if published else None)
    hits = _hits(ctx, lang)
    deadlines = {i for i, hit in enumerate(hits) if _is_deadline(ctx, hit)}
    event = _event_value(ctx, hits, deadlines)
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
