"""Spellings a town of the watched region is written in that GeoNames does not list.

GeoNames often has a town of the region under its Latin romanisation of the Russian name
("Pyandzh") and its local Cyrillic name («Панҷ»), but not the Russian one a Russian report
writes («Пяндж»). The romanisations follow BGN/PCGN, so reading them back letter by letter
gives the Russian spelling; the local Cyrillic alphabets differ from Russian by a few letters
with Russian counterparts. Both are guesses, indexed as weak names: they bridge a lookup, and
the dictionary scan never searches for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# BGN/PCGN romanisation of Russian, read back; longest first. "y" is ы between consonants and
# й after a vowel; "e" is э at the start of a word or after a vowel.
LATIN_TO_RUSSIAN = (
    ("shch", "щ"),
    ("dzh", "дж"),
    ("zh", "ж"),
    ("kh", "х"),
    ("gh", "г"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "ё"),
    ("ye", "е"),
    ("j", "дж"),
    *zip("abvgdeziklmnoprstufhqxwc", "абвгдезиклмнопрстуфхкхвк", strict=True),
)
VOWELS = frozenset("aeiouy")
ROMANISED = re.compile(r"^[A-Za-z][A-Za-z' -]*$")
# Letters of the Tajik, Kazakh, Kyrgyz and Uzbek Cyrillic alphabets, as a Russian writer
# renders them.
LOCAL_TO_RUSSIAN = str.maketrans(
    {
        "ҷ": "дж",
        "Ҷ": "Дж",
        "ҳ": "х",
        "Ҳ": "Х",
        "һ": "х",
        "Һ": "Х",
        "қ": "к",
        "Қ": "К",
        "ғ": "г",
        "Ғ": "Г",
        "ӣ": "и",
        "ӯ": "у",
        "Ӯ": "У",
        "ў": "у",
        "Ў": "У",
        "ә": "а",
        "Ә": "А",
        "ң": "н",
        "Ң": "Н",
        "ө": "о",
        "Ө": "О",
        "ұ": "у",
        "Ұ": "У",
        "ү": "у",
        "Ү": "У",
        "і": "и",
        "І": "И",
    }
)
LOCAL_LETTERS = re.compile("[ҷҳһқғӣӯўәңөұүі]", re.IGNORECASE)


def bridges(names: Iterable[str]) -> list[str]:
    """Russian spellings guessed from a town's romanised and local Cyrillic names, minus the
    names it already has."""
    given = list(names)
    known = set(given)
    found: dict[str, None] = {}
    for name in given:
        for guess in _guesses(name):
            if guess not in known:
                found[guess] = None
    return list(found)


def _guesses(name: str) -> Iterator[str]:
    if ROMANISED.match(name) and "'" not in name[:1]:
        yield russian_from_latin(name)
    elif LOCAL_LETTERS.search(name):
        yield name.translate(LOCAL_TO_RUSSIAN)


def russian_from_latin(name: str) -> str:
    """ "Pyandzh" -> «Пяндж», "Kurgan-Tyube" -> «Курган-Тюбе», "Baykonur" -> «Байконур»."""
    parts = re.split(r"([ -])", name)
    return "".join(_word(part) if part[:1].isalpha() else part for part in parts)


def _word(word: str) -> str:
    lower, out, i = word.lower(), [], 0
    while i < len(lower):
        letter = lower[i]
        previous = lower[i - 1] if i else ""
        if letter == "y" and previous and previous in VOWELS and lower[i : i + 2] not in _PAIRS:
            out.append("й")
            i += 1
            continue
        if letter == "e" and (not previous or previous in VOWELS):
            out.append("э")
            i += 1
            continue
        if letter == "'":
            out.append("ь")
            i += 1
            continue
        for latin, cyrillic in LATIN_TO_RUSSIAN:
            if lower.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append("ы" if letter == "y" else letter)
            i += 1
    russian = "".join(out)
    return russian[:1].upper() + russian[1:] if word[:1].isupper() else russian


_PAIRS = frozenset({"yu", "ya", "yo", "ye"})
