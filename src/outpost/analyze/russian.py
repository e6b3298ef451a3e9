"""Rules over natasha's Russian mentions, for what the model gets systematically wrong in news:

* a name never runs across a list bullet, a line break, a comma or a bracket: «Монако •
  Намибия» is two names, and so is «Юрген Клинсман (Jürgen Klinsmann)»;
* an organisation with its abbreviation or translation in brackets is two names:
  «Комитет защиты журналистов (КЗЖ)» → «Комитет защиты журналистов», «КЗЖ»;
* a generic word before a quoted name is not part of the name: «концерн «Майкрософт»» →
  «Майкрософт»; a name before a quoted name is a second name: «Русской службе «Голоса
  Америки»» → «Русской службе», «Голоса Америки»;
* an abbreviation in capitals that the model left alone is an organisation («ПАСЕ», «ФИФА»,
  «МИДа»), unless it is a country's («РФ», «США»), not a name at all («СМИ», «ВВП») or a
  model designation («Союз ТМА-12», «Су-27»).

`read` applies them all, then the rules of `russian_context` that look around the names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from outpost.analyze import russian_context
from outpost.analyze.russian_context import Name
from outpost.records import Span

QUOTED = re.compile(r"[«\"„“]([^«»\"„“”]+)[»\"“”]?")
# Latin capitals only alone: «GENS UNA SUMUS» is a motto in capitals, not three names
ACRONYM = re.compile(
    r"\b(?:[А-ЯЁ]{2,6}(?:[а-яё]{1,2})?|(?<![A-Z] )[A-Z]{3,6}(?! [A-Z]{2}))\b(?![-\d])"
)
# What a name never runs across; a comma only when a space follows («Овечкин, Фёдоров»).
SEPARATOR = re.compile(r"[•\n;()\[\]]|,\s")
EDGE = " \t\r\u00a0«»\"„“”'•,;:—–-"
GENERIC = re.compile(f"^({russian_context.ORG_KINDS})", re.IGNORECASE)
COUNTRY_ACRONYMS = frozenset("РФ США СССР ОАЭ КНР КНДР ФРГ ГДР ЮАР ДРК ЦАР".split())
NOT_NAMES = frozenset(
    "СМИ ВВП НДС ДТП ЧП ЕГЭ ЖКХ ТВ ИТ ПО ВИЧ СПИД ОРВИ НИИ ВУЗ ЗАГС АЭС ГЭС ТЭЦ БПЛА "
    "ЗРК ПВО ПРО РСЗО БТР БМП СИЗО ИВС УК КоАП ГК ТК ДНК ОС СМС ММС СПО ИИ "
    # legal forms: «ООО» alone names no company
    "ООО ОАО ЗАО ПАО АО ГУП МУП ФГУП НКО АНО ИП "
    # the same in Latin letters: units, formats, currencies, titles
    "UTC GMT HTML HTTP URL USB DVD PDF SMS MMS GPS VIP CEO CFO USD EUR RUB GDP".split()
)
ROMAN = re.compile(r"^[IVXLC]+$")
LOWER = "абвгдежзийклмнопрстуфхцчшщъыьэюяё"


def read(text: str, spans: Sequence[tuple[int, int, str]]) -> list[Name]:
    """The names in `text` given natasha's (start, stop, type) spans, offsets into `text`."""
    names = [
        Name(part.start, part.end, kind)
        for start, stop, kind in spans
        for piece in pieces(text, start, stop)
        for part in _parts(text, piece, kind)
    ]
    names = [n for n in names if n.type != "ORG" or not _common_word(text[n.start : n.end])]
    taken = [(s, e) for s, e, _ in spans]
    names += [Name(a.start, a.end, "ORG", "rules") for a in acronyms(text, taken)]
    return russian_context.apply(text, names)


def pieces(text: str, start: int, stop: int) -> Iterator[Span]:
    """The parts of a model's span between separators, trimmed of quotes and punctuation."""
    at = start
    for cut in [*SEPARATOR.finditer(text, start, stop), None]:
        end = cut.start() if cut else stop
        piece = _trimmed(text, at, end)
        if piece is not None:
            yield piece
        at = cut.end() if cut else stop


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start] in EDGE:
        start += 1
    while end > start and text[end - 1] in EDGE:
        end -= 1
    if not any(c.isalnum() for c in text[start:end]):
        return None
    return Span(start, end)


def _parts(text: str, piece: Span, kind: str) -> list[Span]:
    if kind != "ORG":
        return [piece]
    return split_organisation(text[piece.start : piece.end], piece.start)


def _common_word(word: str) -> bool:
    return word in NOT_NAMES or word.rstrip(LOWER) in NOT_NAMES


def split_organisation(text: str, start: int) -> list[Span]:
    """The name spans inside an ORG mention found by the model (offsets like `start`)."""
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
        stem = word.rstrip(LOWER)
        if stem in COUNTRY_ACRONYMS or _common_word(word) or len(stem) < 3 or ROMAN.match(word):
            continue
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        yield Span(m.start(), m.end())
