"""What every date handler shares: the text it reads, the hit it returns, the day and year
patterns, and the literal alternatives that keep the regex scan fast."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

DAY = r"(?:3[01]|[12]\d|0?[1-9])(?!\d)"
YEAR = r"(?:19\d\d|20\d\d)(?![\d%])"
ORDINAL = r"(?:st|nd|rd|th)?"
# Arabic and Persian digits, one character each, so offsets stay the same
ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
OTHER_DIGITS = re.compile("[٠-٩۰-۹]")  # translate costs 0.7 ms on 5,000 characters: only if needed


def literals(words: Iterable[str], upper_first: bool = True, dot: bool = False) -> str:
    """Literal alternatives (lower, Title, UPPER), longest first; literals keep the scan fast."""
    forms = {f for w in words for f in (w, w[:1].upper() + w[1:], w.upper())}
    if not upper_first:  # English months and weekdays: Title and UPPER only ("may", "march")
        forms = {f for f in forms if f[:1].isupper()}
    body = "|".join(re.escape(f) + (r"\.?" if dot and len(f) <= 4 else "") for f in forms)
    return "(?:" + "|".join(sorted(body.split("|"), key=len, reverse=True)) + ")"


@dataclass(frozen=True)
class Ctx:
    text: str  # digits made ASCII, same length as the input
    base: date | None


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    value: str
    confidence: float


Handler = Callable[[re.Match[str], Ctx], "Hit | None"]
Rules = tuple[tuple[re.Pattern[str], Handler], ...]


def just_before(ctx: Ctx, pos: int, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """`pattern` (ending in `$`) matched against the few characters just before `pos`."""
    return pattern.search(ctx.text, max(0, pos - 60), pos)


def inside_word(ctx: Ctx, pos: int) -> bool:
    return pos > 0 and ctx.text[pos - 1].isalnum()
