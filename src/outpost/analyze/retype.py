"""Types of Russian names checked against the gazetteer and the article's own people, after
linking, for what natasha gets wrong about whether a name is a person or a place:

* a "person" the gazetteer knows as a country or a big city, that the knowledge base does not
  know as a person and that is not a first name, is a place: «Эфиопия», «Коста Рика» in a
  list of countries;
* a "place" or "organisation" that ends in the surname of a person named in full in the same
  article, and that the gazetteer does not know, is that person: «о Свиридове» after «Дмитрия
  Свиридова»; not after a word for a street («улица Королёва»);
* a country or a continent after «чемпион», «чемпионат», «первенство» is a place natasha
  reads as part of a title: «чемпионат Европы», «чемпиона мира и Азии»;
* an item of a bulleted list («• Маврикий •») that the gazetteer knows as a country is a place;
* a common word that opens a sentence is not a name, nor the start of one: «Супруга
  «оружейного барона»», «Поддержку Кирсану Илюмжинову выразили».
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

from outpost.analyze import models
from outpost.analyze.entities import mention, normal_name
from outpost.analyze.gazetteer import Gazetteer
from outpost.records import Doc, Mention

BIG_CITY = 1_000_000  # people: a town this big is named far more often than a namesake
NAME_TAGS = frozenset({"Name", "Patr"})
PERSON_TAGS = frozenset({"Name", "Surn", "Patr"})
PROPER_TAGS = PERSON_TAGS | {"Geox", "Orgn", "Trad", "Abbr", "Init"}
STREET_BEFORE = re.compile(
    r"(?<![\w-])(?i:улиц|проспект|переул|площад|бульвар|шоссе|набережн|имени|им\.)[а-яё]{0,3}\s*$"
)
TITLE_PLACE = re.compile(
    r"(?<![\w-])(?i:чемпион|первенств)[а-яё]{0,4}\s+(?:(?:мира|[А-ЯЁ][а-яё]+)\s+и\s+)?"
    r"([А-ЯЁ][а-яё]+)"
)
LIST_ITEM = re.compile(
    r"(?:^|•)[ \t\u00a0]*([А-ЯЁ][а-яё]+(?:[ -][А-ЯЁ][а-яё]+)?)[ \t\u00a0]*(?=•|$)", re.M
)
PLACE_KINDS = frozenset({"country", "region"})

Keys = Callable[[str, str], set[str]]


def retype(
    doc: Doc, mentions: Sequence[Mention], gazetteer: Gazetteer, surname_keys: Keys
) -> list[Mention]:
    """The mentions of a Russian article with the rules above applied. `surname_keys(word,
    normal)` gives the keys under which two forms of one surname meet."""
    people = _surnames(mentions, surname_keys)
    out = []
    for m in mentions:
        if m.kb_id or m.method == "role":
            out.append(m)
            continue
        if m.type != "ORG" and m.method != "surname" and _sentence_start(doc.text, m.start):
            trimmed = _without_common_word(m)
            if trimmed is not m and not _named_elsewhere(m, mentions, surname_keys):
                if trimmed is None:
                    continue
                m = trimmed
        if m.type == "PER" and _place(m, gazetteer):
            out.append(replace(m, type="LOC", method="gazetteer"))
        elif m.type in ("LOC", "ORG") and _person(doc.text, m, people, gazetteer, surname_keys):
            out.append(replace(m, type="PER", method="surname"))
        else:
            out.append(m)
    for start, end in _missed_places(doc.clean, gazetteer):
        found = mention(doc, start, end, "LOC", "gazetteer")
        if not any(m.start < found.end and found.start < m.end for m in out):
            out.append(found)
    return sorted(out, key=lambda m: (m.start, -m.end))


def _surnames(mentions: Iterable[Mention], surname_keys: Keys) -> set[str]:
    """Keys of the surnames of people named in full (two words or more)."""
    keys: set[str] = set()
    for m in mentions:
        words = m.text.split()
        if m.type == "PER" and len(words) >= 2 and m.method != "role":
            keys |= surname_keys(words[-1], (m.name or m.text).split()[-1])
    return keys


def _place(m: Mention, gazetteer: Gazetteer) -> bool:
    one_word = " " not in m.text
    if m.method == "surname" or (one_word and _first_name(m.text)):
        return False
    if one_word and _geographic(m.text):
        return True
    for candidate in gazetteer.lookup(m.text, "ru"):
        entry = candidate.entry
        if entry.kind == "country" and candidate.alias == 1.0:
            return True
        if entry.kind in ("city", "admin1") and entry.population >= BIG_CITY:
            return True
    return False


def _person(
    text: str, m: Mention, people: set[str], gazetteer: Gazetteer, surname_keys: Keys
) -> bool:
    words = m.text.split()
    if not people or not words or not words[-1][:1].isupper():
        return False
    if not surname_keys(words[-1], words[-1]) & people:
        return False
    if STREET_BEFORE.search(text[max(0, m.start - 20) : m.start]):
        return False
    return not gazetteer.lookup(m.text, "ru")


def _sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start].rstrip(' \t\u00a0«"„')
    return not before or before[-1] in "\n.!?…"


def _without_common_word(m: Mention) -> Mention | None:
    """The mention without its first word when that is a common word; None when nothing is
    left."""
    first = m.text.split(maxsplit=1)[0]
    parses = models.morph().parse(first)
    if not parses or not all(p.is_known for p in parses):
        return m
    if any(PROPER_TAGS & set(p.tag.grammemes) for p in parses):
        return m
    rest = m.text[len(first) :].lstrip()
    if not rest:
        return None
    if any({"ADJF", "PRTF"} & set(p.tag.grammemes) for p in parses):
        return m  # «Центральную Америку»: an adjective is part of a longer name
    cut = len(m.text) - len(rest)
    return replace(m, text=rest, start=m.start + cut, name=normal_name(rest, m.type))


def _named_elsewhere(m: Mention, mentions: Sequence[Mention], surname_keys: Keys) -> bool:
    """Whether the first word of `m` is a word of another mention, in some form: «Кремль»
    opening a sentence is a name when «Кремля» is one elsewhere."""
    first = m.text.split(maxsplit=1)[0]
    keys = surname_keys(first, first)
    return any(
        surname_keys(word, word) & keys
        for other in mentions
        if other is not m
        for word in other.text.split()
    )


def _first_name(word: str) -> bool:
    """«Виктория», «Шарлотта»: a first name that is also a place is read as a name."""
    return any(NAME_TAGS & set(p.tag.grammemes) for p in models.morph().parse(word))


def _geographic(word: str) -> bool:
    """A word the dictionary knows as a place name and never as a person's: «Царицыно»."""
    tags = [set(p.tag.grammemes) for p in models.morph().parse(word)]
    return any("Geox" in t for t in tags) and not any(PERSON_TAGS & t for t in tags)


def _missed_places(text: str, gazetteer: Gazetteer) -> Iterator[tuple[int, int]]:
    """Spans (in `text`) of countries and continents in the two places natasha misses them."""
    for pattern in (TITLE_PLACE, LIST_ITEM):
        for match in pattern.finditer(text):
            candidates = gazetteer.lookup(match.group(1), "ru")
            if any(c.entry.kind in PLACE_KINDS and c.alias >= 0.75 for c in candidates):
                yield match.span(1)
