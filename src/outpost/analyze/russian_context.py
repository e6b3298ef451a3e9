"""Rules that read the words around Russian names, after natasha and `russian` made them:

* a quoted name after a word for a vehicle or an instrument is not an organisation: «корабль
  «Союз»», «шаттл «Атлантис»», «телескоп Хаббл»; nor is the same name elsewhere in the text;
* a place-derived adjective before an organisation is part of its name in Russian usage
  («японского МИДа», «российского Минсельхоза», «московского «Центра»»), and a compass
  adjective before a place («западной Европы», «южные Курильские острова»);
* a quoted, capitalised name after a word for a kind of organisation is one, even when the
  model missed it: «институт «Коллективное действие»», «партии «Dog with two tails»»;
* a name in Latin letters in brackets right after a name is its original spelling, of the
  same type: «Международная амнистия (Amnesty International)», «Аль-Аин (Al Ain)»;
* a web address cited as a source is an organisation: «сообщает baltinfo.ru»;
* an airport, an airfield, a spaceport or a station is a place, not an organisation, with or
  without its word: «во Внуковском аэропорту», «в аэропорту «Шереметьево»».
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Name:
    """A name found in a run of Russian text; offsets into that run."""

    start: int
    end: int
    type: str
    method: str = "natasha"


CASE_LETTERS = frozenset("аеиоуыэюяйьмх")
OPENING, CLOSING = '«"„“', '»"“”'
VEHICLE = re.compile(
    r"(?<!\w)(?:корабл|шаттл|ракет|ракеты-носител|самол[её]т|вертол[её]т|спутник|крейсер|"
    r"ледокол|подлодк|теплоход|танкер|лайнер|звездол[её]т|телескоп|марсоход|луноход|"
    r"автомобил|болид|истребител|бомбардировщик)[а-яё]{0,3}\s+[«\"„]?$",
    re.IGNORECASE,
)
ORG_ADJECTIVE = re.compile(
    r"(?<![\w-])[а-яё]+(?:ск|цк)(?:ий|ого|ому|им|ом|ая|ой|ую|ое|ие|их|ими|ые|ых|ым|ыми)\s+$"
)
COMPASS_ADJECTIVE = re.compile(
    r"(?<![\w-])(?:(?:северо|юго)-)?(?:северн|южн|западн|восточн)[а-яё]{2,3}\s+$"
)
# Words for a kind of organisation, written before its name: «компания «Газпром»».
ORG_KINDS = (
    "компани|концерн|корпораци|холдинг|фирм|банк|групп|издани|газет|журнал|агентств|"
    "телеканал|радиостанци|парти|движени|организаци|фонд|обществ|институт|университет|"
    "академи|ассоциаци|союз|объединени|федераци|клуб|команд|театр|завод|комбинат|фабрик|"
    "предприяти|коалици|блок|фракци|сеть|сети|ООО|ОАО|ЗАО|ПАО|АО|ГУП|МУП|ФГУП|НКО|АНО"
)
ORG_HEAD = re.compile(rf"(?<![\w-])(?i:{ORG_KINDS})[а-яё]{{0,4}}\s+$")
FACILITY = r"(?:аэропорт|аэродром|космодром|вокзал)[а-яё]{0,3}"
# the word first, or after one adjective: «Вашингтонском аэропорту», not «Управление аэропорта»
FACILITY_HEAD = re.compile(
    rf"(?i:(?:[а-яё-]+(?:ий|ый|ой|ого|ому|ом|ым|им|ая|ую)\s+)?{FACILITY})(?![\w-])"
)
FACILITY_BEFORE = re.compile(rf"(?<![\w-])(?i:{FACILITY})\s+[«\"„]?$")
QUOTED_AFTER = re.compile(r"\s+[«\"„]")
QUOTED_NAME = re.compile(r"[«\"„]([A-ZА-ЯЁ0-9][^«»\"„“”\n]{0,60}?)[»\"“”]")
LATIN_IN_BRACKETS = re.compile(r"\s*\(([A-Z][A-Za-z0-9&.'’ -]{1,60}[A-Za-z0-9.])\)")
CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
LATIN_AFTER_WORD = re.compile(r"[А-ЯЁа-яё]+\s+([A-Z][\w&.'’-]*(?:\s+[A-Za-z][\w&.'’-]*)*)$")
DOMAIN = re.compile(
    r"(?<![\w./@-])[A-Za-z0-9][\w-]*(?:\.[\w-]+)*\.(?:ru|com|net|org|info)(?![\w/.])"
)


def apply(text: str, names: list[Name]) -> list[Name]:
    vehicles = _vehicles(text)
    names = _without_vehicles(text, names, vehicles)
    names = [_facility(text, _with_adjective(text, _latin_part(text, n))) for n in names]
    names += list(_quoted_after_head(text, names))
    names += list(_translations(text, names))
    names += list(_addresses(text, names))
    names += [n for n in _repeated(text, names) if _stem(text[n.start : n.end]) not in vehicles]
    return sorted(set(names), key=lambda n: (n.start, -n.end))


def _vehicles(text: str) -> set[str]:
    """Stems of the quoted names that follow a word for a vehicle («шаттл «Атлантис»»)."""
    return {
        _stem(m.group(1))
        for m in QUOTED_NAME.finditer(text)
        if VEHICLE.search(text[max(0, m.start() - 25) : m.start() + 1])
    }


def _without_vehicles(text: str, names: list[Name], stems: set[str]) -> list[Name]:
    """Names of vehicles out, and words for a kind of organisation before a quoted name
    («Институт «Открытая экономика»»: the name is what the quotes hold)."""
    return [
        n
        for n in names
        if n.type != "ORG"
        or not (
            VEHICLE.search(text[max(0, n.start - 25) : n.start])
            or (_quoted(text, n) and _stem(text[n.start : n.end]) in stems)
            or (ORG_HEAD.match(text[n.start : n.end] + " ") and QUOTED_AFTER.match(text, n.end))
        )
    ]


def _stem(name: str) -> str:
    """A name without its case ending: «Союза ТМА-7», «Союзом» and «Союз» share «союз»."""
    first = name.split()[0].casefold() if name.split() else name.casefold()
    for _ in range(2):
        if len(first) > 3 and first[-1] in CASE_LETTERS:
            first = first[:-1]
    return first


def _quoted(text: str, name: Name) -> bool:
    return name.start > 0 and text[name.start - 1] in OPENING


def _with_adjective(text: str, name: Name) -> Name:
    if not text[name.start : name.start + 1].isupper() and not _quoted(text, name):
        return name
    before = text[max(0, name.start - 30) : name.start]
    quoted = _quoted(text, name)
    pattern = {"ORG": ORG_ADJECTIVE, "LOC": COMPASS_ADJECTIVE}.get(name.type)
    match = pattern.search(before[:-1] if quoted else before) if pattern else None
    if match is None:
        return name
    end = name.end
    if quoted and text[end : end + 1] in CLOSING:
        end += 1  # «московского «Центра»»: the quotes go with the adjective
    return replace(name, start=name.start - len(before) + match.start(), end=end)


def _facility(text: str, name: Name) -> Name:
    """An organisation that is an airport or a station by its own word or the one before it."""
    if name.type != "ORG":
        return name
    head = FACILITY_HEAD.match(text, name.start, name.end)
    if head or FACILITY_BEFORE.search(text[max(0, name.start - 20) : name.start]):
        return replace(name, type="LOC")
    return name


def _quoted_after_head(text: str, names: list[Name]) -> Iterator[Name]:
    for m in QUOTED_NAME.finditer(text):
        if _overlaps(names, m.start(1), m.end(1)):
            continue
        if ORG_HEAD.search(text[max(0, m.start() - 25) : m.start()]):
            yield Name(m.start(1), m.end(1), "ORG", "rules")


def _translations(text: str, names: list[Name]) -> Iterator[Name]:
    for name in names:
        m = LATIN_IN_BRACKETS.match(text, name.end)
        if m is None or _overlaps(names, *m.span(1)):
            continue
        abbreviation = name.type == "ORG" and m.group(1).isupper()  # World Fashion Channel (WFC)
        if abbreviation or CYRILLIC.search(text[name.start : name.end]):
            yield Name(m.start(1), m.end(1), name.type, "rules")


def _latin_part(text: str, name: Name) -> Name:
    """«Агентство France-Presse», «ИА Regnum»: a Russian word for the kind of organisation
    before a name in Latin letters is not part of it."""
    m = LATIN_AFTER_WORD.match(text, name.start, name.end)
    if name.type != "ORG" or m is None:
        return name
    return replace(name, start=m.start(1))


def _repeated(text: str, names: list[Name]) -> Iterator[Name]:
    """One sense per article: an organisation's name found once is the same name where the
    model missed it («Архнадзор», then «движения «Архнадзор»»). Forms that differ only in
    the case ending meet («Телевизор», «Телевизора»)."""
    known = {_key(text[n.start : n.end]) for n in names if n.type == "ORG"}
    known.discard("")
    if not known:
        return
    pattern = "|".join(re.escape(k) for k in sorted(known, key=len, reverse=True))
    for m in re.finditer(rf"(?<![\w-])(?:{pattern})[а-яё]{{0,3}}(?![\w-])", text):
        if _key(m.group()) in known and not _overlaps(names, m.start(), m.end()):
            yield Name(m.start(), m.end(), "ORG", "rules")


def _key(name: str) -> str:
    """What two forms of one name share, or "" for names too short or too plain to trust."""
    if len(name) < 3 or not name[:1].isupper() or " " in name:
        return ""
    return name[: len(_stem(name))] if CYRILLIC.search(name[-1:]) else name


def _addresses(text: str, names: list[Name]) -> Iterator[Name]:
    for m in DOMAIN.finditer(text):
        if not _overlaps(names, m.start(), m.end()):
            yield Name(m.start(), m.end(), "ORG", "rules")


def _overlaps(names: list[Name], start: int, end: int) -> bool:
    return any(n.start < end and start < n.end for n in names)
