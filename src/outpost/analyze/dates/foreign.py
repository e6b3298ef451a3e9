"""Other languages: month names and "yesterday" from dateparser's locale data."""

from __future__ import annotations

import re
from datetime import timedelta

from outpost.analyze.dates.hits import (
    DAY,
    YEAR,
    Ctx,
    Handler,
    Hit,
    Rules,
    inside_word,
    just_before,
    literals,
)
from outpost.analyze.dates.resolve import day_month

TG_MONTHS = ("январ", "феврал", "март", "апрел", "май", "июн", "июл", "август", "сентябр",
             "октябр", "ноябр", "декабр")  # fmt: skip  # Tajik: not in dateparser


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


def foreign_rules(lang: str) -> Rules:
    """ "16 қыркүйек", "2021 жылғы 16 қыркүйекте", "16-sentabr", "۲۵ سپتامبر ۲۰۲۱", "кеше"."""
    months, relative = _foreign_months(lang), _foreign_relative(lang)

    def month(m: re.Match[str], ctx: Ctx) -> Hit | None:
        number = months[m.group("m").lower()]
        if m.group("d"):
            return day_month(
                ctx, (m.start(), m.end()), number, int(m.group("d")), m.group("y"), 0.8
            )
        left = just_before(ctx, m.start(), FOREIGN_LEFT_DAY)
        if left is None:
            return None
        year = left.group("y") or m.group("y")
        return day_month(ctx, (left.start(), m.end()), number, int(left.group("d")), year, 0.8)

    def day(m: re.Match[str], ctx: Ctx) -> Hit | None:
        if ctx.base is None or inside_word(ctx, m.start()):
            return None
        shift = relative[m.group(0).lower()]
        value = (ctx.base + timedelta(days=shift)).isoformat()
        return Hit(m.start(), m.end(), value, 0.6 if shift == 0 else 0.8)

    rules: list[tuple[re.Pattern[str], Handler]] = []
    if months:  # agglutinative endings are allowed: "қыркүйекте", "sentabrda", "сентябри"
        rules.append((
            re.compile(
                rf"(?P<m>{literals(months)})\w*(?:(?:\s+(?P<d>{DAY}))?(?:,?\s+(?P<y>{YEAR}))?)"
            ),
            month,
        ))  # fmt: skip
    if relative:
        rules.append((re.compile(literals(relative) + r"(?!\w)"), day))
    return tuple(rules)
