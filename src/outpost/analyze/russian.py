"""Rules over natasha's Russian mentions, for what the model gets systematically wrong in news:

* an organisation with its abbreviation or translation in brackets is two names:
  «Комитет защиты журналистов (КЗЖ)» → «Комитет защиты журналистов», «КЗЖ»;
* a generic word before a quoted name is not part of the name: «концерн «Майкрософт»» →
  «Майкрософт»; a name before a quoted name is a second name: «Русской службе «Голоса
  Америки»» → «Русской службе», «Голоса Америки»;
* an abbreviation in capitals that the model left alone is an organisation («ПАСЕ», «ФИФА»,
  «МИДа»), unless it is a country's («РФ», «США») or not a name at all («СМИ», «ВВП»).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outpost.records import Span

QUOTED = re.compile(r"[«\"„“]([^«»\"„“”]+)[»\"“”]?")
BRACKETED = re.compile(r"\s*\(([^()]+)\)?")
ACRONYM = re.compile(r"\b[А-ЯЁ]{2,6}(?:[а-яё]{1,2})?\b")
GENERIC = re.compile(
    r"^(компани|концерн|корпораци|холдинг|фирм|банк|групп|издани|газет|журнал|агентств|"
    r"телеканал|радиостанци|парти|движени|организаци|фонд|общество|ООО|ОАО|ЗАО|ПАО|АО|ГУП|"
    r"МУП|ФГУП|НКО|АНО|клуб|театр|завод|комбинат)",
    re.IGNORECASE,
)
COUNTRY_ACRONYMS = frozenset("РФ США СССР ОАЭ КНР КНДР ФРГ ГДР ЮАР ДРК ЦАР".split())
NOT_NAMES = frozenset(
    "СМИ ВВП НДС ДТП ЧП ЕГЭ ЖКХ ТВ ИТ ПО ВИЧ СПИД ОРВИ НИИ ВУЗ ЗАГС АЭС ГЭС ТЭЦ БПЛА "
    "ЗРК ПВО ПРО РСЗО БТР БМП СИЗО ИВС УК КоАП ГК ТК ДНК".split()
)


def split_organisation(text: str, start: int) -> list[Span]:
    """The name spans inside an ORG mention found by the model (offsets like `start`)."""
    bracket = BRACKETED.search(text)
    if bracket and bracket.start() > 0:
        inner = bracket.group(1).strip()
        head = text[: bracket.start()].rstrip()
        inner_at = start + text.index(inner, bracket.start())
        return [*split_organisation(head, start), Span(inner_at, inner_at + len(inner))]
    quoted = QUOTED.search(text)
    if quoted and quoted.start() > 0:
        name = quoted.group(1).strip()
        name_at = start + text.index(name, quoted.start())
        head = text[: quoted.start()].rstrip()
        spans = [Span(name_at, name_at + len(name))]
        if head and not GENERIC.match(head) and head[:1].isupper():
            spans.insert(0, Span(start, start + len(head)))
        return spans
    return [Span(start, start + len(text.rstrip()))]


def acronyms(text: str, taken: list[tuple[int, int]]) -> Iterator[Span]:
    """Organisation abbreviations in `text` that no mention covers."""
    for m in ACRONYM.finditer(text):
        word = m.group()
        stem = word.rstrip("абвгдежзийклмнопрстуфхцчшщъыьэюяё")
        if stem in COUNTRY_ACRONYMS or stem in NOT_NAMES or word in NOT_NAMES or len(stem) < 2:
            continue
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        yield Span(m.start(), m.end())
