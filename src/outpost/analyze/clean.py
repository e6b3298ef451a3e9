"""Clean: the text the other stages read, with a map back to the original offsets.

Scraped news carries damage that hurts NER and classification: missing spaces after
punctuation ("Afghanistan,including"), ALL-CAPS link text ("RUSSIA", "ALEXANDER LUKASHENKO"),
teaser headlines of related stories ("... due to covid surrounded Politics") and trailers
("Read together with it:"). Cleaning repairs or drops these; it never changes what a fact
points to, because every offset is mapped back (see `edits`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection

from outpost.analyze.edits import Edited, Edits

MIN_SHOUTED = 7  # letters: an unknown caps word alone is lower-cased only from this length
MAX_CHARS = 200_000  # longer texts are analysed up to here; the Doc notes the cut

SPACES = re.compile(
    r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]{2,}|[\u00a0\u2000-\u200a\u202f\u205f\u3000]"
)
WIDE_SPACE = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
# These start with what they match, not with a look behind, so that the regex engine can
# skip ahead to where a match may start (four times faster on news).
SPACE_BEFORE_PUNCT = re.compile(r" (?<=\w ) *(?=[,;:!?](?:\s|$))")
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
COMBINING = re.compile(r"\w[\u0300-\u036f]+")
COMBINING_MARK = re.compile(r"[\u0300-\u036f]")  # found fast: most texts have none
COMPAT = re.compile(r"[\ufb00-\ufb06\uff01-\uff5e\u2024-\u2026]")
# A letter, punctuation, then a letter with no space: "Afghanistan,including", "it:Taking".
# Not "U.S.", "e.g.", numbers (1,000), or URLs and e-mail addresses.
GLUED = re.compile(r"(?:[,;:!?]|\.(?=[A-ZА-ЯЁ][a-zа-яё]))(?<=[^\W\d_]{2}.)(?=[^\W\d_])")
URLISH = re.compile(r"\S*(?:://|www\.|@)\S*|\b\w+\.(?:com|org|net|ru|kz|kg|tj|by|am|uz|gov)\b")
CAPS_WORD = re.compile(r"\b[A-ZА-ЯЁ][A-ZА-ЯЁ'’-]*[A-ZА-ЯЁ]\b")
PARAGRAPH = re.compile(r"[^\n]+")
TRAILER = re.compile(
    r"^\s*(read (together with it|also|more)|see also|related( stories| articles)?|"
    r"читайте (также|нас|вместе с этим)|смотрите также|подписывайтесь|подробнее)\b[^\n]*$",
    re.IGNORECASE,
)
RUBRICS = (
    "politics|economy|economics|society|world|sport|sports|business|technology|culture|"
    "science|health|incidents|opinion|"
    "политика|экономика|общество|мир|спорт|бизнес|технологии|культура|наука|происшествия"
)
TEASER = re.compile(rf"^[^.!?…\n]{{20,160}}\s({RUBRICS})\s*$", re.IGNORECASE)
TERMINAL = re.compile(r"[.!?…\"»”)]\s*$")
COMMON_ACRONYMS = frozenset(
    "UN UNSC US USA UK EU NATO CSTO SCO CIS EAEU OSCE G7 G20 UNHCR UNODC IMF WHO ICRC NGO "
    "ISIS ISIL IS TTP ETIM TIP IMU BLA NRF CIA FBI FSB KGB MVD GKNB AFP AP BBC VOA RIA TASS "
    "ООН США ЕС НАТО ОДКБ ШОС СНГ ЕАЭС ОБСЕ РФ ФСБ МВД МИД ГКНБ КНБ ИГИЛ ИГ ЦРУ ВОЗ".split()
)


def clean(
    text: str,
    is_known_name: Callable[[str], bool] = lambda _: False,
    acronyms: Collection[str] = COMMON_ACRONYMS,
) -> Edited:
    """The cleaned text and its offset map. `is_known_name("Russia")` says whether a word
    in title case is a name (countries, people, organisations of the KB and gazetteer)."""
    edits = Edits(text[:MAX_CHARS])
    _drop_boilerplate(edits)
    _normalise_characters(edits)
    _repair_spacing(edits)
    _fix_caps(edits, is_known_name, acronyms)
    return edits.apply()


def _drop_boilerplate(edits: Edits) -> None:
    paragraphs = list(PARAGRAPH.finditer(edits.original))
    for i, p in enumerate(paragraphs):
        line = p.group()
        trailer = TRAILER.match(line)
        between = 0 < i < len(paragraphs) - 1
        end = (
            p.end()
            + len(edits.original[p.end() : p.end() + 2])
            - len(edits.original[p.end() : p.end() + 2].lstrip("\n"))
        )  # the paragraph's own line breaks go with it
        is_trailer = bool(trailer) and (len(line) < 200 or i == len(paragraphs) - 1)
        is_teaser = between and bool(TEASER.match(line)) and not TERMINAL.search(line)
        if is_trailer or is_teaser:
            edits.delete(p.start(), end)


def _normalise_characters(edits: Edits) -> None:
    text = edits.original
    for m in INVISIBLE.finditer(text):
        edits.delete(m.start(), m.end())
    for m in SPACES.finditer(text) if _odd_spacing(text) else ():
        edits.replace(m.start(), m.end(), " ")
    for m in SPACE_BEFORE_PUNCT.finditer(text):  # "RUSSIA , Kazakhstan"
        edits.delete(m.start(), m.end())
    for m in COMBINING.finditer(text) if COMBINING_MARK.search(text) else ():
        edits.replace(m.start(), m.end(), unicodedata.normalize("NFC", m.group()))
    for m in COMPAT.finditer(text):
        edits.replace(m.start(), m.end(), unicodedata.normalize("NFKC", m.group()))


def _odd_spacing(text: str) -> bool:
    """Whether SPACES can match: most texts have none of it, and this is found far faster."""
    return "  " in text or "\t" in text or bool(WIDE_SPACE.search(text))


def _repair_spacing(edits: Edits) -> None:
    text = edits.original
    glued = list(GLUED.finditer(text))
    if not glued:
        return  # the common case: the search for URLs is the costlier one
    urls = [(m.start(), m.end()) for m in URLISH.finditer(text)]
    for m in glued:
        if not any(s <= m.start() < e for s, e in urls):
            edits.insert(m.end(), " ")


def _fix_caps(
    edits: Edits, is_known_name: Callable[[str], bool], acronyms: Collection[str]
) -> None:
    """ALL-CAPS words back to normal case (same length, so offsets hold); acronyms stay.

    A caps word is an acronym when it is a known one, has no vowel, or stands alone and is
    shorter than MIN_SHOUTED letters without being a known name ("RUSSIA" is one). A run of
    two or more caps words is a name ("ALEXANDER LUKASHENKO").
    """
    text = edits.original
    words = [m for m in CAPS_WORD.finditer(text) if _shouted(m.group(), acronyms)]
    for i, m in enumerate(words):
        word = m.group()
        in_run = _neighbour(text, words, i)
        titled = _title(word)
        if in_run or is_known_name(titled):
            edits.replace(m.start(), m.end(), titled)
        elif len(word) < MIN_SHOUTED:
            continue  # a short caps word alone is an acronym more often than not: ФИФА, UNHCR
        elif _sentence_start(text, m.start()):
            edits.replace(m.start(), m.end(), titled)
        else:
            edits.replace(m.start(), m.end(), word.lower())


def _shouted(word: str, acronyms: Collection[str]) -> bool:
    if word in acronyms or len(word) <= 3:
        return False
    return any(c in "AEIOUYАЕЁИОУЫЭЮЯ" for c in word)


def _title(word: str) -> str:
    return "-".join(part[:1] + part[1:].lower() for part in word.split("-"))


def _neighbour(text: str, words: list[re.Match[str]], i: int) -> bool:
    def adjacent(a: re.Match[str], b: re.Match[str]) -> bool:
        return b.start() - a.end() <= 2 and text[a.end() : b.start()].strip() in ("", "-")

    return (i > 0 and adjacent(words[i - 1], words[i])) or (
        i + 1 < len(words) and adjacent(words[i], words[i + 1])
    )


def _sentence_start(text: str, at: int) -> bool:
    before = text[max(0, at - 3) : at].rstrip()
    return not before or before[-1] in ".!?\n"
