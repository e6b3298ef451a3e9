"""Names that NER read as people or organisations where the words before them say a place.

Recognisers trained on American or Russian news have seldom seen the watched region's towns
and read an unknown capitalised word as a person: spaCy tags "Osh", "Gardez", "Syktyvkar" in
"the southern city of Osh" as PERSON. Where a word for a town, district or province stands
right before the name ("city of", «в городе», «шаҳри») or a preposition of place does ("in",
"near"), and the gazetteer knows the whole name as a place, the name is a place. A name the
knowledge base linked keeps its type: "in Putin's words" stays a person.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import replace

from outpost.analyze.gazetteer import Gazetteer, norm
from outpost.records import Doc, Mention

# What may stand before a place name, by language; matched at the end of the text before it.
# A word for a kind of place says it outright; a preposition of place only for a name the
# gazetteer scans for (a big town, or one of the watched region): "believe in Jesus".
CUES = {
    "en": re.compile(
        r"\b(?i:city|town|village|settlement|district|province|region|oblast|capital|"
        r"outskirts|suburb|border town|port)\s+of\s+$"
    ),
    "ru": re.compile(
        r"(?:(?<![\w-])(?i:город[аеуом]*|г\.|сел[аоеу]м?|посёлк[аеуом]*|поселк[аеуом]*|пос\.|"
        r"пгт|деревн[яеиюй]|кишлак[аеу]?|аул[аеу]?|район[аеу]?|област[ьи]))\s+$"
    ),
    # Persian and Pashto script has no capitals to tell a name from a word ("سنگین" is
    # "heavy" and a district of Helmand): a word for a place must say it.
    "fa": re.compile(
        r"(?<!\S)(?:شهر|شهرستان|شهرک|روستای|روستا|قریه|استان|ولایت|ولسوالی|بندر|منطقه|بخش|"
        r"مرکز)\s+$"
    ),
}
CUES["ps"] = CUES["fa"]
AFTER_CUES = re.compile(r"^\s+(?:ښار|ولایت|ولسوالۍ|ولسوالی|کلي|سیمه|شهر)(?!\w)")
WEAK_CUES = {
    "en": re.compile(r"\b(?:in|near|outside|from|to|In|Near|Outside|From)\s+$"),
    "ru": re.compile(r"(?<![\w-])(?i:в|во|под|близ|около|из|до|у)\s+$"),
}
PLACE_KINDS = frozenset({"city", "admin1", "admin2", "country", "region", "feature"})


def retype_places(doc: Doc, mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """The mentions, with the people and organisations that their context says are places
    made places (method "gazetteer")."""
    if doc.lang not in CUES:
        return list(mentions)
    return [
        replace(m, type="LOC", method="gazetteer") if _place_by_context(doc, m, gazetteer) else m
        for m in mentions
    ]


def _place_by_context(doc: Doc, m: Mention, gazetteer: Gazetteer) -> bool:
    lang = doc.lang or ""
    if m.type not in ("PER", "ORG") or m.kb_id:
        return False
    if doc.text[m.end : m.end + 2] in ("'s", "’s"):  # "in Kant's philosophy"
        return False
    before = doc.text[max(0, m.start - 40) : m.start]
    if CUES[lang].search(before):
        return any(c.entry.kind in PLACE_KINDS for c in gazetteer.lookup(m.text, lang))
    if lang != "en" or not WEAK_CUES[lang].search(before) or before.endswith(("to ", "from ")):
        return False
    key = norm(m.text)
    return gazetteer.regional(key) or gazetteer.scannable(key)


def cued(text: str, start: int, end: int, lang: str | None) -> bool:
    """Whether a word for a kind of place or a preposition of place stands around the name
    at `start`-`end`: what a small town of the watched region that is also a word or a
    surname needs to be taken for a town in a language NER reads ("Star", "Ross" are
    villages there too), or in a script without capitals (Persian script: «د کندز ښار»)."""
    before = text[max(0, start - 40) : start]
    strong = CUES.get(lang or "") or (None if cased(text[start:end]) else CUES["fa"])
    weak = WEAK_CUES.get(lang or "")
    if (strong and strong.search(before)) or (weak and weak.search(before)):
        return True
    return not cased(text[start:end]) and bool(AFTER_CUES.match(text[end : end + 20]))


def cased(name: str) -> bool:
    """Whether the name is written in a script with capital letters."""
    return any(c.isupper() or c.islower() for c in name)


# Where a script has no capitals, a day's or a month's name reads like any other word, and some
# are towns: «دوشنبه» is Monday and Dushanbe, «آوریل» is April and, spelt so, Orël. The
# languages of the region written in Arabic script, whose CLDR day and month names are read.
CALENDAR_LOCALES = ("fa", "fa_AF", "ps", "ur", "ug", "ar")
CAPITAL_AFTER = re.compile(r"^[\s،,]*پایتخت(?!\w)")  # «دوشنبه، پایتخت تاجیکستان»
PREPOSITION_BEFORE = re.compile(r"(?<!\S)(?:در|به|از|تا)\s+$")  # in, to, from, as far as
# What follows a day, not a town: a date, "last", "next", a time of day, "week", "hour".
WHEN_AFTER = re.compile(
    r"^[\s،,]*(?:[\d۰-۹٠-٩]|(?:گذشته|آینده|اخیر|شب|صبح|عصر|ظهر|بامداد|هفته|ساعت)(?!\w))"
)


# In a cased script a day's or a month's name is a town's only with a capital, at a sentence's
# start; the word for "day" or "month" after it says which: «Juma kuni» is "on Friday", not
# the village Juma, «Қазан айында» "in October", not Kazan.
CASED_CALENDAR_LOCALES = ("uz", "uz_Cyrl", "tk", "kk", "ky", "tg")
DAY_OR_MONTH_AFTER = re.compile(
    r"^\s+(?i:kuni|куни|güni|күні|күнү|oyi|oyida|ойи|ойида|aýy|aýynda|айы|айында|айда)"
    r"(?!\w)"
)


def calendar_word(name: str) -> bool:
    """Whether a name, in a script without capitals, is also a day's or a month's name there."""
    return not cased(name) and norm(name) in _calendar_words(CALENDAR_LOCALES)


def said_as_date(text: str, start: int, end: int) -> bool:
    """Whether the name at `start`-`end`, in a cased script, is a day's or a month's name
    followed by the word for "day" or "month" («Juma kuni», «Қазан айында»)."""
    name = text[start:end]
    return (
        cased(name)
        and norm(name) in _calendar_words(CASED_CALENDAR_LOCALES)
        and bool(DAY_OR_MONTH_AFTER.match(text[end : end + 20]))
    )


def calendar_cued(text: str, start: int, end: int, lang: str | None) -> bool:
    """Whether the calendar word at `start`-`end` (`calendar_word`) names a place: a word for a
    kind of place around it («شهر دوشنبه»), "capital" after it, or a preposition of place
    before it with no date or time of day after it («به دوشنبه»; «از دوشنبه آینده» is "from
    next Monday")."""
    after = text[end : end + 30]
    if cued(text, start, end, lang) or CAPITAL_AFTER.match(after):
        return True
    return bool(PREPOSITION_BEFORE.search(text[max(0, start - 8) : start])) and not (
        WHEN_AFTER.match(after)
    )


@functools.cache
def _calendar_words(locales: tuple[str, ...]) -> frozenset[str]:
    from babel.dates import get_day_names, get_month_names

    words: set[str] = set()
    for locale in locales:
        for context in ("format", "stand-alone"):
            for names in (
                get_day_names("wide", context, locale),
                get_month_names("wide", context, locale),
            ):
                words.update(norm(name) for name in names.values())
    return frozenset(words)
