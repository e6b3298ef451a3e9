"""Rules: a head pattern and what to make of it, in the order that settles ties."""

from __future__ import annotations

import functools
import re

from outpost.analyze.dates import english, numeric, relative, russian
from outpost.analyze.dates.english import EN_MON, EN_WD_FULL
from outpost.analyze.dates.foreign import foreign_rules
from outpost.analyze.dates.hits import DAY, ORDINAL, YEAR, Ctx, Hit, Rules, literals
from outpost.analyze.dates.russian import RU_MONTHS, RU_YEAR_WORD

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
            english.month_name,
        ),
        (
            r"(?P<y>19\d\d|20\d\d)(?![\d%])(?:-(?P<mm>0[1-9]|1[0-2])-(?P<dd>0[1-9]|[12]\d|3[01])"
            rf"(?!\d)|(?P<ru>\s*(?:-?(?:го|м|й)\s+)?{RU_YEAR_WORD}))?",
            numeric.year,
        ),
        (literals(EN_RELATIVE) + r"(?!\w)", relative.day_word),
        (EN_WD_FULL + r"(?![A-Za-z])", english.weekday_name),
        (
            rf"(?P<mod>{literals(('last', 'next', 'this', 'earlier this', 'later this'))})\s+"
            r"(?P<unit>week|month|year)(?!\w)",
            relative.this_next_last,
        ),
        (r"(?P<unit>day|week|month|year)s?\s+ago(?!\w)", relative.ago),
        (r"(?:end|End|END)\s+of\s+(?:the|this)\s+(?P<unit>year|month)(?!\w)", relative.end_of),
        (
            rf"(?P<m>{literals(RU_MONTHS)})(?!\w)(?:\s+(?P<y>{YEAR}){RU_YEAR_WORD}?)?",
            russian.month_name,
        ),
        (literals(RU_RELATIVE) + r"(?!\w)", relative.day_word),
        (
            literals(RU_WEEKDAY_WORDS)
            # "в среду мигрантов" is "into the milieu of migrants", not Wednesday
            + r"(?!\w)(?!\s+(?:окружающ\w*|обитани\w*|\w+(?:ов|ев|ей|их|ых|ости|ежи|ания|ения)\b))",
            russian.weekday_name,
        ),
        (
            r"(?:на|На)\s+(?P<mod>прошлой|этой|текущей|следующей|минувшей|будущей)\s+"
            r"(?P<unit>неделе)(?!\w)",
            relative.this_next_last,
        ),
        (
            r"(?:в|В)\s+(?P<mod>прошлом|этом|текущем|следующем|минувшем|будущем)\s+"
            r"(?P<unit>месяце|году)(?!\w)",
            relative.this_next_last,
        ),
        (
            r"(?P<unit>дн(?:я|ей)|день|недел[юиь]|месяц(?:а|ев)?|год(?:а)?|лет)\s+назад(?!\w)",
            relative.ago,
        ),
        (
            r"(?:конц[ае]|концу|Конц[ае]|Концу)\s+(?:этого\s+|текущего\s+|нынешнего\s+)?"
            r"(?P<unit>года|месяца)(?!\w)",
            relative.end_of,
        ),
    )
)
NUMERIC = re.compile(
    r"(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<y>19\d\d|20\d\d)(?![./]?\d)"
)


@functools.cache
def rules_for(lang: str | None) -> Rules:
    """English, Russian and numeric dates always; those of the article's other language too."""
    month_first = lang in (None, "en")

    def numeric_date(m: re.Match[str], ctx: Ctx) -> Hit | None:
        return numeric.digits(m, ctx, month_first)

    found = (*RULES, (NUMERIC, numeric_date))
    if lang and lang not in ("en", "ru"):
        found += foreign_rules(lang)
    return found
