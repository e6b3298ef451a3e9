"""Place resolution: toponym spans -> gazetteer entries, disambiguated by the article.

A name like "Paris" or "Moscow" has many candidates; the article decides among them. Each
candidate gets a prior (how strongly the name names it, its population and kind) plus support
from the rest of the article: the states and countries that other names in it point to, the
towns already pinned near it, and nearness to the watched region. One sense per article: the
same name always resolves to the same place.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from outpost.analyze.gazetteer import CENTRAL_ASIA, CYRILLIC, TURKIC, Candidate, Entry, Gazetteer
from outpost.analyze.gazetteer import norm as _norm
from outpost.records import Place

KIND_PRIOR = {
    "country": 0.9,
    "admin1": 0.4,
    "admin2": 0.5,
    "city": 0.0,
    "region": 2.0,
    "feature": 2.0,  # a river or border crossing, named as such: as strong as a region
}
SPECIFICITY = {
    "city": 0.5,
    "feature": 0.45,
    "admin2": 0.4,
    "admin1": 0.3,
    "country": 0.1,
    "region": 0.0,
}
LEADING = re.compile(r"^(?:the|в|во|на|из|к|ко|по|под|до|от|у|с|со|о|об)\s+", re.IGNORECASE)
TRAILING = re.compile(r"(?:['’]s|['’])$")
QUALIFIER = re.compile(r"^\s*,\s*((?:[A-Z][\w.]*\.?)(?:\s[A-Z][\w.]*\.?)?)")
TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_](?:[\w\u200c'’ʻ‘`]*\w)?")
JOINER = re.compile(r"^[ \u00a0-]$")
MAX_WORDS = 4
CONTRACTION = re.compile(r"['’](?:ve|ll|re|d|m|s|t)$")


# Words that say which kind of place a name is, before it ("the city of Kandahar", «в городе
# Ош», «шаҳри Панҷакент», «شهر زرنج») or after it ("Kandahar province", «Ош шаарында», «Osh
# viloyati»): a town and the province named after it are told apart by them.
SAID_KIND = (
    (
        frozenset({"city"}),
        re.compile(
            r"(?:\b(?i:city|town|village)\s+of|(?<![\w-])(?i:город[аеуом]*|г\.|сел[аоеу]м?|"
            r"посёлк[аеуом]*|поселк[аеуом]*|деревн[яеиюй]|кишлак[аеу]?|шаҳри|shahri|شهر|شهرستان))"
            r"\s+$"
        ),
        re.compile(r"^\s+(?i:city|town|шаар\w*|қала\w*|shahr\w*|şäher\w*|ښار)(?!\w)"),
    ),
    (
        frozenset({"admin1"}),
        re.compile(
            r"(?:\b(?i:province|region|oblast)\s+of|(?<![\w-])(?i:област[иьюя]|вилояти|ولایت|"
            r"استان))\s+$"
        ),
        re.compile(
            r"^\s+(?i:province|region|oblast|област\w*|облыс\w*|viloyat\w*|вилоят\w*|"
            r"ولایت|ولسوالی)(?!\w)"
        ),
    ),
)


KIND_WORDS = (
    (frozenset({"city"}), r"city|town|шаар\w*|қала\w*|shahr\w*|şäher\w*"),
    (frozenset({"admin1"}), r"province|region|oblast|област\w*|облыс\w*|viloyat\w*|вилоят\w*"),
)


KIND_WORDS_BEFORE = (
    (frozenset({"city"}), r"شهر|شهرک|روستای|بندر"),
    (frozenset({"admin1"}), r"استان|ولایت"),
)


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    text: str
    key: str  # one sense per article: mentions with the same key resolve together
    candidates: tuple[Candidate, ...]
    within: frozenset[str]  # admin1 or country codes a qualifier names ("Paris, Texas")


@dataclass(frozen=True)
class _Context:
    votes: dict[str, dict[str, float]]  # name key -> {admin1 or country code: its vote}
    totals: dict[str, float]  # code -> all the votes it got
    anchors: tuple[tuple[str, float, float], ...]  # (key, lat, lon) of pinned towns
    region: tuple[float, float]

    def support(self, code: str | None, key: str) -> float:
        """Votes for a code from the article's other names."""
        if not code:
            return 0.0
        return max(0.0, self.totals.get(code, 0.0) - self.votes[key].get(code, 0.0))


def resolve(
    spans: Sequence[tuple[int, int]],
    text: str,
    lang: str | None,
    gazetteer: Gazetteer,
    region: tuple[float, float] | None = None,
) -> list[Place]:
    """The places the spans name, in text order; spans the gazetteer does not know are dropped."""
    mentions = [m for s in sorted(set(spans)) if (m := _mention(s, text, lang, gazetteer))]
    if not mentions:
        return []
    watched = region or CENTRAL_ASIA
    choice = _choose(mentions, _context(mentions, {}, watched))
    choice = _choose(mentions, _context(mentions, choice, watched))  # again, with the answers
    places = [_place(m, *choice[m.key]) for m in mentions]
    return _settle_counties(places, mentions)


DOTTED = re.compile(r"(?:[A-Z]\.){2,}")


def _mention(span: tuple[int, int], text: str, lang: str | None, gaz: Gazetteer) -> _Mention | None:
    start, end = span
    raw = text[start:end]
    lead = LEADING.match(raw)
    if lead:
        start += lead.end()
    trail = TRAILING.search(text[start:end])
    if trail:
        end -= len(trail.group())
    surface = text[start:end].strip()
    if not surface:
        return None
    within = _qualifier(text[end : end + 40], lang, gaz)
    candidates = gaz.lookup(surface, lang)
    if DOTTED.fullmatch(surface):  # "U.S.", "L.A." abbreviate; "C.A.R." is no town named "Car"
        candidates = [c for c in candidates if _norm(c.entry.name) != _norm(surface)]
    if not candidates and "," in surface:  # "Paris, Texas" given as one span
        head, _, tail = surface.partition(",")
        within = _codes(gaz.lookup(tail.strip(), lang)) or within
        candidates, end = gaz.lookup(head.strip(), lang), start + len(head.rstrip())
    kinds = _said_kind(text, start, end)
    if not candidates and (named := _with_kind(surface)):  # NER's "Kandahar province"
        bare, kinds = named
        candidates = [c for c in gaz.lookup(bare, lang) if c.entry.kind in kinds]
        start = text.index(bare, start)  # the place is the name, not the word for its kind
        end = start + len(bare)
    if not candidates:
        return None
    candidates = [c for c in candidates if c.entry.kind in kinds] or candidates
    key = f"{_norm(surface)}|{','.join(sorted(within))}|{','.join(sorted(kinds))}"
    return _Mention(start, end, text[start:end], key, tuple(candidates), within)


def _with_kind(surface: str) -> tuple[str, frozenset[str]] | None:
    """A name with the word for its kind inside the span ("Kandahar province", "City of
    Osh"), and the kinds that word says."""
    for kinds, words in KIND_WORDS:
        match = re.match(rf"^(.+?)\s+(?i:{words})$", surface) or re.match(
            rf"^(?i:(?:the\s+)?(?:{words})\s+of)\s+(.+)$", surface
        )
        if match:
            return match.group(1), kinds
    for kinds, words in KIND_WORDS_BEFORE:  # Persian: «شهر زرنج», «ولایت کندز»
        if match := re.match(rf"^(?:{words})\s+(.+)$", surface):
            return match.group(1), kinds
    return None


def _said_kind(text: str, start: int, end: int) -> frozenset[str]:
    """The kinds of place the words around a name say it is, or none."""
    before, after = text[max(0, start - 30) : start], text[end : end + 30]
    for kinds, ahead, behind in SAID_KIND:
        if ahead.search(before) or behind.search(after):
            return kinds
    return frozenset()


def _qualifier(after: str, lang: str | None, gaz: Gazetteer) -> frozenset[str]:
    """Codes of a state or country right after a town: "Paris, Texas", "Gainesville, Ga."."""
    match = QUALIFIER.match(after)
    return _codes(gaz.lookup(match.group(1), lang)) if match else frozenset()


def _codes(candidates: Iterable[Candidate]) -> frozenset[str]:
    codes = set()
    for c in candidates:
        if c.entry.kind == "admin1" and c.entry.admin1:
            codes.add(c.entry.admin1)
        elif c.entry.kind == "country" and c.entry.country and c.alias >= 0.85:
            codes.add(c.entry.country)
    return frozenset(codes)


def _prior(c: Candidate) -> float:
    e = c.entry
    population = 1.2 if e.kind in ("region", "feature") else 0.2 * math.log10(max(e.population, 1))
    return c.alias + KIND_PRIOR[e.kind] + population + (0.6 if e.capital else 0.0)


def _context(
    mentions: Sequence[_Mention],
    choice: dict[str, tuple[Entry, float]],
    region: tuple[float, float],
) -> _Context:
    """What the article says about where it is. Before any choice, each name spreads one vote
    over the states and countries its candidates lie in; afterwards, its choice takes the vote.
    A name that is itself a state or country votes twice: it says so outright."""
    votes: dict[str, dict[str, float]] = {}
    totals: dict[str, float] = defaultdict(float)
    anchors = []
    for key, group in _by_key(mentions).items():
        entries = [choice[key][0]] if key in choice else [c.entry for c in group[0].candidates]
        weight = 2.0 if all(e.kind in ("admin1", "country") for e in entries) else 1.0
        votes[key] = {}
        for codes in (_admin1_of(entries), _country_of(entries)):
            for code in codes:
                votes[key][code] = weight / len(codes)
                totals[code] += weight / len(codes)
        # Towns pin the article on the map: the only reading of a name, or a confident choice.
        sure = len(group[0].candidates) == 1 or (key in choice and choice[key][1] >= 0.5)
        if sure and len(entries) == 1 and entries[0].kind == "city":
            anchors.append((key, entries[0].lat, entries[0].lon))
    return _Context(votes, dict(totals), tuple(anchors), region)


def _admin1_of(entries: Sequence[Entry]) -> set[str]:
    return {e.admin1 for e in entries if e.admin1}


def _country_of(entries: Sequence[Entry]) -> set[str]:
    return {e.country for e in entries if e.country}


def _by_key(mentions: Sequence[_Mention]) -> dict[str, list[_Mention]]:
    groups: dict[str, list[_Mention]] = defaultdict(list)
    for m in mentions:
        groups[m.key].append(m)
    return groups


def _choose(mentions: Sequence[_Mention], ctx: _Context) -> dict[str, tuple[Entry, float]]:
    """The best entry for each name, with a confidence from the margin over the others."""
    choice = {}
    for key, group in _by_key(mentions).items():
        m = group[0]
        scored = sorted(((_score(c, m, ctx), c) for c in m.candidates), key=lambda t: -t[0])
        best, top = scored[0][1], scored[0][0]
        # Rivals a few km away are the same place as another feature (Dushanbe the city and
        # the capital territory): they do not make the choice any less sure.
        rivals = [
            s
            for s, c in scored[1:]
            if _km(c.entry.lat, c.entry.lon, best.entry.lat, best.entry.lon) > 50
        ]
        share = 1.0 / (1.0 + sum(math.exp(s - top) for s in rivals))
        choice[key] = (best.entry, round(share * min(1.0, best.alias + 0.15), 3))
    return choice


def _score(c: Candidate, m: _Mention, ctx: _Context) -> float:
    e = c.entry
    score = _prior(c)
    if m.within:
        score += 3.0 if (e.admin1 in m.within or e.country in m.within) else -1.0
    # Support excludes the name's own vote, so a state is not its own evidence.
    score += 0.6 * math.log2(1 + ctx.support(e.admin1, m.key))
    score += 0.4 * math.log2(1 + ctx.support(e.country, m.key))
    if e.kind == "city":
        near = [_km(e.lat, e.lon, lat, lon) for k, lat, lon in ctx.anchors if k != m.key]
        score += 0.6 * math.exp(-min(near) / 150) if near else 0.0
    score += 0.3 * _likeness(m.text, e.name)
    return score + 0.4 * math.exp(-_km(e.lat, e.lon, *ctx.region) / 1500)


@functools.lru_cache(maxsize=65_536)
def _likeness(written: str, name: str) -> float:
    """How alike a name as written and a place's main name read in Latin letters, 0 to 1:
    of two towns GeoNames lists under «Пяндж» (Panj, and Dŭstí, once Pyandzh), the one now
    called so is meant. Homonyms written alike tie, as before."""
    from rapidfuzz.fuzz import ratio
    from unidecode import unidecode

    return ratio(unidecode(written).casefold(), unidecode(name).casefold()) / 100


def _place(m: _Mention, entry: Entry, confidence: float) -> Place:
    return Place(
        m.text,
        m.start,
        m.end,
        entry.name,
        entry.lat,
        entry.lon,
        entry.country,
        entry.admin1,
        entry.geonames_id,
        entry.kind,
        round(confidence * (0.6 if entry.approximate else 1.0), 3),
    )


def _settle_counties(places: list[Place], mentions: Sequence[_Mention]) -> list[Place]:
    """A county has no coordinates of its own here: put it among the article's towns in the
    same state (local news names the towns of its county), else leave it at the state's centre."""
    towns: dict[str, list[Place]] = defaultdict(list)
    for p in places:
        if p.kind == "city" and p.admin1:
            towns[p.admin1].append(p)
    settled = []
    for p in places:
        near = towns.get(p.admin1 or "", []) if p.kind == "admin2" else []
        if near:
            lat = sum(t.lat for t in near) / len(near)
            lon = sum(t.lon for t in near) / len(near)
            p = replace(p, lat=round(lat, 4), lon=round(lon, 4))
        settled.append(p)
    return settled


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


distance_km = _km


def scan(text: str, lang: str | None, gazetteer: Gazetteer) -> list[tuple[int, int]]:
    """Spans of well-known place names (countries, capitals, big towns, regions) found by
    dictionary: for languages without NER, and for names NER missed. Conservative: a name must
    be capitalised where its script has case, and common words are never names."""
    tokens = [t.span() for t in TOKEN.finditer(text)]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        width = _match_at(tokens, i, text, lang, gazetteer)
        if width:
            found.append((tokens[i][0], tokens[i + width - 1][1]))
        i += width or 1
    return found


def _match_at(
    tokens: Sequence[tuple[int, int]], i: int, text: str, lang: str | None, gaz: Gazetteer
) -> int:
    """How many tokens from i form a known name (longest first), or 0."""
    first = text[tokens[i][0]]
    if first.islower() or not first.isalpha():
        return 0
    joined = _joined(tokens, i, text)
    if lang in TURKIC or CYRILLIC.search(text, tokens[i][0], tokens[i + joined - 1][1]):
        widths: Iterable[int] = range(joined, 0, -1)  # names found by lemma or stem too
    else:
        widths = reversed(_scannable_widths(tokens, i, joined, text, gaz))
    for width in widths:
        if _known(text[tokens[i][0] : tokens[i + width - 1][1]], lang, gaz):
            return width
    return 0


def _joined(tokens: Sequence[tuple[int, int]], i: int, text: str) -> int:
    """How many tokens from i (at most MAX_WORDS) are joined by a space or hyphen each."""
    width = 1
    while width < min(MAX_WORDS, len(tokens) - i):
        if not JOINER.match(text[tokens[i + width - 1][1] : tokens[i + width][0]]):
            break
        width += 1
    return width


def _scannable_widths(
    tokens: Sequence[tuple[int, int]], i: int, joined: int, text: str, gaz: Gazetteer
) -> list[int]:
    """The widths from i whose key the gazetteer can scan for, word by word: the key of
    tokens joined by spaces or hyphens is their keys joined by spaces, and once no scannable
    key starts with it, no longer one will."""
    widths, key = [], ""
    for width in range(1, joined + 1):
        start, end = tokens[i + width - 1]
        key = f"{key} {_norm(text[start:end])}" if key else _norm(text[start:end])
        if not gaz.scan_start(key):
            break
        if gaz.scans(key):
            widths.append(width)
    return widths


def _known(surface: str, lang: str | None, gaz: Gazetteer) -> bool:
    key = _norm(surface)
    if " " not in key and key in _common_words() and not surface.isupper():
        return False
    # "US", "U.S." but never "Us"; a short name of the watched region (Osh, Ош) is a town
    if len(key) <= 3 and not surface.isupper() and not gaz.short(key):
        return False
    if CONTRACTION.search(surface):  # "I've" is no town "Ive"
        return False
    if gaz.scans(key):
        return True
    if CYRILLIC.search(surface) and gaz.scan_lemma(surface):
        return True
    if lang in TURKIC and " " not in key:  # a case ending off: «Бишкектен», "Toshkentda"
        return any(gaz.scans(_norm(c.entry.name)) for c in gaz.lookup(surface, lang))
    return False


@functools.cache
def _common_words() -> frozenset[str]:
    """Function words of the languages read here, and town names that are mostly ordinary
    words. The watched region's small towns are scanned for in any script, and a sentence
    may begin with «Он», «Ала» or «این»."""
    from importlib import import_module

    words: set[str] = {"nice", "reading", "mobile", "split", "bath", "university"}
    for lang in STOP_WORD_LANGS:
        words.update(import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    return frozenset(_norm(w) for w in words)


# spaCy's stop-word lists of the languages the region writes in, or nearest kin of them
# (Tatar for the Kipchak languages, Turkish for Uzbek and Turkmen Latin, Urdu for Pashto).
STOP_WORD_LANGS = ("en", "ru", "uk", "fa", "ur", "ar", "ky", "tt", "tr", "az")


def merge(
    primary: Sequence[tuple[int, int]], extra: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Spans of both lists, keeping the primary ones where they overlap, unless an extra span
    holds a primary one whole: the dictionary knows "Kyzyl-Suu" where NER read "Kyzyl"."""
    spans = list(primary)
    for start, end in extra:
        inside = [(s, e) for s, e in spans if start <= s and e <= end and (s, e) != (start, end)]
        if inside and all(end <= s or start >= e or (s, e) in inside for s, e in spans):
            spans = [span for span in spans if span not in inside]
            spans.append((start, end))
        elif all(end <= s or start >= e for s, e in spans):
            spans.append((start, end))
    return sorted(spans)


def focus(places: Sequence[Place], lead_end: int = 0) -> Place | None:
    """The place the article is about: where its lead says it happens, if the lead (the text
    before `lead_end`) names a city or province; otherwise the most mentioned place, more
    specific places ahead of the broad ones they lie in; ties go to the one named first.

    A summit on Afghanistan held in Dushanbe is about Afghanistan but happens in Dushanbe,
    and an alert on the map belongs where things happen."""
    if not places:
        return None
    local = [p for p in places if p.start < lead_end and p.kind in ("city", "admin2", "admin1")]
    return _most_mentioned(local or places)


def _most_mentioned(places: Sequence[Place]) -> Place:
    weight: dict[tuple[object, str], float] = defaultdict(float)
    first: dict[tuple[object, str], Place] = {}
    for p in places:
        key = (p.geonames_id or (p.name, p.lat, p.lon), p.kind)
        weight[key] += 0.75 + 0.25 * p.confidence
        first.setdefault(key, p)
    order = {key: n for n, key in enumerate(first)}
    best = max(weight, key=lambda k: (weight[k] + SPECIFICITY[k[1]], -order[k]))
    return first[best]
