"""Entity linking: which knowledge-base actor a name refers to, across scripts and spellings.

Three indexes over every alias of the KB, tried from the surest to the loosest:
  * the folded form (case, ё/е, diacritics, apostrophes and hyphens folded away), with the
    Russian case forms of Russian aliases («Токаева», «Исламского государства»);
  * a Latin "skeleton" that makes romanisations meet (Zhaparov = Dzhaparov = Japarov = Жапаров,
    Tokayev = Токаев, Mirziyoyev = Mirziyoev = Мирзиёев);
  * a fuzzy match on that skeleton, word by word, strict enough that two people who share a
    surname are never taken for each other.
A name that two actors share (a bare "Japarov") links to neither: precision comes first, and
`resolve_surnames` settles such names from the full name earlier in the article; a name that
bodies of different states share («ГКНБ», "Foreign Ministry") is settled by the article's
context (`analyze.context`), which gets the candidates from `shared`.

The dictionary scan (`find_all`) reads a language's own names and the English ones, with the
endings the language puts on a name's last word (`kb/name_endings.yaml`: «УКМКнын»,
"Mirziyoyevga", «طالبانو»).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from unidecode import unidecode

from outpost.kb.actors import KnowledgeBase, load_endings
from outpost.records import Entity, Mention

# A word: letters and digits, apostrophes inside (O'zbekiston) but not an English "'s".
WORD = re.compile(r"\w+(?:['’ʼ`](?!s\b)\w+)*")
APOSTROPHES = str.maketrans("", "", "'’ʼ`ʻ")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN_OR_CYRILLIC = re.compile(r"^[\sA-Za-z\u00c0-\u024f\u0400-\u04ff\d.'’ʻʼ`-]+$")
# Arabic-script letters that Persian, Pashto and Arabic write differently.
ARABIC_FOLDS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
# The next word of a name, after what may stand between two words of one name (the joiner,
# ZWNJ, that Persian writes between the parts of one name too: «ذبیح‌الله»).
NEXT_WORD = re.compile(r"[\s.\-‐‑–—\u200c]{0,3}(\w+(?:['’ʼ`](?!s\b)\w+)*)")

# Words that precede a name without being part of it ("President Tokayev", «президента
# Токаева»). Compared folded, and for Russian also by lemma.
TITLE_WORDS = frozenset(
    "the president prime minister premier chancellor federal foreign secretary general acting "
    "mr mrs ms dr sir mullah ayatollah "
    "президент премьер министр канцлер генсек генеральный секретарь глава господин г-н "
    "мулла аятолла".split()
)
TYPE_ALIASES = {"PERSON": "PER", "GPE": "LOC", "FAC": "LOC", "NORP": "ORG"}
RU_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
HEAD_POS = frozenset({"ADJF", "PRTF", "NUMR"})  # words that agree with the head noun

SURE, NORMAL, FORM, LEMMA, SKELETON = 1.0, 0.95, 0.95, 0.9, 0.88
SURNAME_ONLY = 0.85  # a one-word name of a person is weaker evidence than a full name
CROSS_TYPE = 0.85  # an ORG mention of a country ("Russia agreed") or the reverse
FUZZY_CUTOFF = 90.0  # rapidfuzz ratio on the skeleton, 0-100
FUZZY_WORD = 0.85  # normalised Levenshtein similarity each word must reach: one edit in 7 letters
FUZZY_WEIGHT = 0.8
MAX_FORMS = 64  # lemma combinations of one mention


@dataclass(frozen=True)
class _Rule:
    """How a scanned alias must look in the text: exact letters (CSTO, ShHT), a capital
    first letter (Turkey, not turkey), or any case («талибов»)."""

    kind: str  # "exact", "capital" or "any"
    surfaces: frozenset[tuple[str, ...]] = frozenset()


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]  # folded
    ids: tuple[str, ...]  # one actor, or the actors of different states who share the name
    rule: _Rule


@dataclass(frozen=True)
class _Scanner:
    pattern: re.Pattern[str]  # where a name may start
    index: dict[str, list[_Entry]]  # folded first word -> entries, longest first


Linked = tuple[Entity, float] | None
Candidates = tuple[tuple[Entity, float], ...]  # the actors a name may be, with confidences
Found = tuple[int, int, tuple[str, ...]]  # a scanned name: start, end, the KB ids it may be
REMEMBERED = 100_000  # mentions whose link is kept


class Linker:
    """Links mentions to the KB. Built once (it loads pymorphy3); then cheap per call."""

    def __init__(
        self, kb: KnowledgeBase, endings: Mapping[str, tuple[str, ...]] | None = None
    ) -> None:
        self.kb = kb
        given = load_endings() if endings is None else endings
        # Folded, longest first: «нын» is tried before «н».
        self._endings = {
            lang: tuple(sorted({fold(e) for e in items}, key=len, reverse=True))
            for lang, items in given.items()
        }
        self._exact: dict[str, set[str]] = {}
        self._forms: dict[str, set[str]] = {}  # Russian case forms of Russian aliases
        self._skeleton: dict[str, set[str]] = {}
        self._surnames: set[str] = set()  # folded one-word aliases of people
        self._scan: dict[str | None, _Scanner] = {}
        self._linked: dict[tuple[str, str | None, str | None, str | None], Candidates] = {}
        self._build()
        self._fuzzy_keys = sorted(k for k in self._skeleton if " " in k)

    # --- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        for lang, alias, entity in self.kb.aliases():
            key = fold_name(alias)
            if not key:
                continue
            self._exact.setdefault(key, set()).add(entity.id)
            if entity.type == "PER" and " " not in key:
                self._surnames.add(key)
            if LATIN_OR_CYRILLIC.match(alias):
                self._skeleton.setdefault(skeleton(alias), set()).add(entity.id)
            if lang == "ru" and _rule(alias).kind != "exact":
                for form in _case_forms(alias, entity.type == "PER"):
                    self._forms.setdefault(fold_name(form), set()).add(entity.id)

    def _scanner(self, lang: str | None) -> _Scanner:
        """What to scan for in one language's text; made on first use, then kept."""
        if lang not in self._scan:
            endings = self._endings.get(lang or "", ())
            self._scan[lang] = _make_scanner(*self._scan_entries(lang), endings)
        return self._scan[lang]

    def _scan_entries(self, lang: str | None) -> tuple[list[_Entry], set[str]]:
        # A language's own aliases and the English ones (acronyms such as G20 cross over);
        # never all languages at once for a known language, because a short name in one
        # is a word in another (Tajik «Чин», China, is Russian «чин», rank).
        merged: dict[tuple[tuple[str, ...], tuple[str, ...]], _Rule] = {}
        starts: set[str] = set()
        for alias_lang, alias, entity in self.kb.aliases():
            if lang is not None and alias_lang not in (lang, "en"):
                continue
            if alias in self.kb.no_scan.get(entity.id, ()):
                continue
            rule = _rule(alias)
            forms: tuple[str, ...] = (alias,)
            if alias_lang == "ru" and rule.kind != "exact":
                forms += _case_forms(alias, entity.type == "PER")
            for form in forms:
                written = WORD.findall(form)
                words = tuple(fold(w) for w in written)
                ids = tuple(sorted(self._owners(" ".join(words)) | {entity.id}))
                if words and (len(ids) == 1 or self.of_different_states(ids)):
                    key = (words, ids)
                    merged[key] = _merge(merged.get(key), rule)
                    starts.add(written[0].lower())  # fold() drops diacritics; text may not
        return [_Entry(words, ids, rule) for (words, ids), rule in merged.items()], starts

    def _owners(self, key: str) -> set[str]:
        return self._exact.get(key, set()) | self._forms.get(key, set())

    def of_different_states(self, ids: Iterable[str]) -> bool:
        """Whether each actor belongs to a state and no two to the same one: then the state
        the context names tells them apart (two Japarovs of Kyrgyzstan it cannot)."""
        countries = [self.kb.entities[i].country for i in ids]
        return None not in countries and len(set(countries)) == len(countries)

    # --- linking -----------------------------------------------------------------------------
    def link(
        self, text: str, type: str | None, lang: str | None, normal: str | None = None
    ) -> Linked:
        """The actor a mention refers to and a confidence in [0, 1]; None when unknown or
        when the name is shared (see `shared`)."""
        found = self._candidates(text, type, lang, normal)
        return found[0] if len(found) == 1 else None

    def shared(
        self, text: str, type: str | None, lang: str | None, normal: str | None = None
    ) -> Candidates:
        """The actors a shared name may be («ГКНБ»: Kyrgyzstan's and Tajikistan's), when they
        belong to different states; empty for a name of one actor or of none."""
        found = self._candidates(text, type, lang, normal)
        if len(found) > 1 and self.of_different_states(e.id for e, _ in found):
            return found
        return ()

    def _candidates(
        self, text: str, type: str | None, lang: str | None, normal: str | None
    ) -> Candidates:
        """Remembered: news names the same few actors (and unknowns) again and again."""
        key = (text, type, lang, normal)
        if key not in self._linked:
            if len(self._linked) >= REMEMBERED:
                self._linked.clear()  # a long run's names drift: start afresh
            self._linked[key] = self._match(text, type, lang, normal)
        return self._linked[key]

    def _match(
        self, text: str, type: str | None, lang: str | None, normal: str | None
    ) -> Candidates:
        wanted = TYPE_ALIASES.get(type, type) if type else None
        names = [n for n in dict.fromkeys((text, normal or text)) if n.strip()]
        if not names:
            return ()
        for confidence, index, keys in self._trials(names, lang):
            found = self._lookup(index, keys, wanted, confidence)
            if found:
                return found  # more than one: a shared name, stop here
        fuzzy = self._fuzzy(names, wanted)
        return (fuzzy,) if fuzzy else ()

    def _trials(
        self, names: list[str], lang: str | None
    ) -> Iterator[tuple[float, dict[str, set[str]], list[str]]]:
        """(confidence, index, keys) from the surest to the loosest; made lazily, so that
        pymorphy3 only runs when the plain forms found nothing."""
        every_key: list[str] = []
        for i, name in enumerate(names):
            keys = _name_keys(name)
            every_key += keys
            yield (SURE if i == 0 else NORMAL), self._exact, keys
            yield FORM, self._forms, keys
        if CYRILLIC.search(names[0]) and lang in (None, "ru", "be", "uk"):
            yield LEMMA, self._exact, _lemma_keys(names[0])
        endings = self._endings.get(lang or "")
        if endings:  # a recogniser's «Владимир Путинмен», «Ауғанстандағы»
            yield LEMMA, self._exact, _without_ending(every_key, endings)
        yield SKELETON, self._skeleton, [skeleton(_strip_titles(n)) for n in names]

    def _lookup(
        self, index: dict[str, set[str]], keys: Iterable[str], wanted: str | None, base: float
    ) -> Candidates:
        for key in keys:
            scored = self._compatible(index.get(key, ()), wanted)
            if scored:
                return tuple(
                    (entity, round(base * factor * _surname_factor(entity, key), 3))
                    for entity, factor in scored
                )
        return ()

    def _compatible(self, ids: Iterable[str], wanted: str | None) -> list[tuple[Entity, float]]:
        out = []
        for ident in sorted(ids):
            entity = self.kb.entities[ident]
            factor = _type_factor(wanted, entity.type)
            if factor:
                out.append((entity, factor))
        return out

    def _fuzzy(self, names: list[str], wanted: str | None) -> tuple[Entity, float] | None:
        """Last resort: a near spelling of a full (multi-word) name, checked word by word."""
        for name in names:
            query = skeleton(_strip_titles(name))
            if " " not in query:
                continue  # one word alone is too little to guess from
            hits = process.extract(
                query, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
            )
            for key, score, _ in hits:
                if not _same_words(query, key):
                    continue
                scored = self._compatible(self._skeleton[key], wanted)
                if len(scored) == 1:
                    entity, factor = scored[0]
                    return entity, round(FUZZY_WEIGHT * score / 100 * factor, 3)
        return None

    # --- scanning ----------------------------------------------------------------------------
    def find(self, text: str, lang: str | None) -> list[tuple[int, int, str]]:
        """Spans of the names of one actor each: (start, end, KB id); see `find_all`."""
        return [
            (start, end, ids[0]) for start, end, ids in self.find_all(text, lang) if len(ids) == 1
        ]

    def find_all(self, text: str, lang: str | None) -> list[Found]:
        """Spans of KB aliases in the text, longest match first, on word boundaries, each with
        the actors it may name (several for a name bodies of different states share). An
        ending of the language is left out of the span. Acronyms must match their letters'
        case exactly.

        One compiled pattern (a trie of the aliases' first words) finds where a name may
        start; only there are the following words read and compared.
        """
        scanner = self._scanner(lang)
        endings = self._endings.get(lang or "", ())
        found: list[Found] = []
        done = 0
        for hit in scanner.pattern.finditer(text):
            first = WORD.match(text, hit.start()) if hit.start() >= done else None
            matched = _match_at(scanner, text, first, endings) if first else None
            if first and matched:
                entry, done = matched
                found.append((first.start(), done, entry.ids))
        return found

    # --- surnames ----------------------------------------------------------------------------
    def resolve_surnames(self, mentions: Sequence[Mention]) -> list[Mention]:
        """A one-word PER mention takes the identity of the full name earlier in the article
        that ends in it; when two earlier full names share the surname it stays as it is."""
        out = list(mentions)
        seen: dict[str, set[tuple[str | None, str, float]]] = {}
        for i in sorted(range(len(out)), key=lambda i: out[i].start):
            mention = out[i]
            if mention.type != "PER":
                continue
            words = _strip_titles(mention.text).split()
            if len(words) >= 2:
                who = self._identity(mention)
                normal_words = mention.name.split() or words
                for key in self.surname_keys(words[-1], normal_words[-1]):
                    seen.setdefault(key, set()).add(who)
            elif len(words) == 1:
                found: set[tuple[str | None, str, float]] = set()
                for key in self.surname_keys(words[0], mention.name):
                    found |= seen.get(key, set())
                if len({(kb_id, name) for kb_id, name, _ in found}) == 1:
                    kb_id, name, confidence = max(found, key=lambda f: f[2])
                    out[i] = replace(
                        mention,
                        kb_id=kb_id,
                        name=name,
                        method="surname",
                        confidence=round(confidence * NORMAL, 3),
                    )
        return out

    def _identity(self, mention: Mention) -> tuple[str | None, str, float]:
        entity = self.kb.get(mention.kb_id) if mention.kb_id else None
        name = entity.name if entity else mention.name or mention.text
        return (mention.kb_id, name, mention.confidence or SURNAME_ONLY)

    @staticmethod
    def surname_keys(word: str, normal: str) -> set[str]:
        keys = {fold_name(word), fold_name(normal), skeleton(word), skeleton(normal)}
        if CYRILLIC.search(word):
            keys.update(_lemma_keys(word))
        keys.discard("")
        return keys


# --- normalisation ------------------------------------------------------------------------------
@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """One word with case, ё/е, diacritics and apostrophes folded away."""
    word = word.casefold().replace("ё", "е").translate(ARABIC_FOLDS)
    word = unicodedata.normalize("NFKD", word)
    return "".join(c for c in word if not unicodedata.combining(c)).translate(APOSTROPHES)


def fold_name(text: str) -> str:
    """A name as folded words joined by single spaces (hyphens and dots are separators)."""
    return " ".join(fold(w) for w in WORD.findall(text))


# Digraphs that romanisations spell differently: Zhaparov/Dzhaparov/Japarov, Rakhmon/Rahmon.
_SKELETON_STEPS = (
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("q", "k"),
    ("w", "v"),
    ("ck", "k"),
    ("x", "ks"),
    ("y", "i"),
    ("ph", "f"),
)
_IOTATION = re.compile(r"(?<=[aeiou])i(?=[aeiou])|^i(?=[aeiou])")  # Tokayev = Tokaev
_DOUBLED = re.compile(r"(.)\1+")  # Kassym = Kasym


@functools.lru_cache(maxsize=65536)
def _skeleton_word(word: str) -> str:
    latin = re.sub(r"[^a-z]", "", unidecode(word.casefold()).lower())
    for old, new in _SKELETON_STEPS:
        latin = latin.replace(old, new)
    return _DOUBLED.sub(r"\1", _IOTATION.sub("", latin))


def skeleton(text: str) -> str:
    """A Latin key on which romanisations of one name meet (Жапаров = Dzhaparov = Japarov)."""
    return " ".join(filter(None, (_skeleton_word(w) for w in WORD.findall(text))))


def _strip_titles(text: str) -> str:
    words = text.split()
    while len(words) > 1 and _is_title(words[0]):
        words = words[1:]
    return " ".join(words)


def _is_title(word: str) -> bool:
    folded = fold_name(word)
    if folded in TITLE_WORDS:
        return True
    return bool(CYRILLIC.search(word)) and bool(TITLE_WORDS & set(_lemmas(word)))


def _without_ending(keys: Iterable[str], endings: Sequence[str]) -> list[str]:
    """Folded names with an ending the language puts on a name's last word taken off it, each
    ending that leaves three letters or more (`endings` longest first); a hyphen before the
    ending («ҰҚК-ның») has already made it a word of its own."""
    out = []
    for key in keys:
        head, _, last = key.rpartition(" ")
        for ending in endings:
            if last == ending and head:
                out.append(head)
            elif last.endswith(ending) and len(last) - len(ending) >= 3:
                out.append(f"{head} {last[: -len(ending)]}".lstrip())
    return list(dict.fromkeys(out))


def _name_keys(text: str) -> list[str]:
    keys = [fold_name(text), fold_name(_strip_titles(text))]
    return [k for k in dict.fromkeys(keys) if k]


# --- Russian morphology ---------------------------------------------------------------------------
@functools.cache
def _morph() -> Any:
    import pymorphy3  # loaded on first use: linking English text never pays for it

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=65536)
def _lemmas(word: str) -> tuple[str, ...]:
    """The word and its distinct normal forms (a surname can parse several ways)."""
    forms = [word.casefold()] + [p.normal_form for p in _morph().parse(word)[:4]]
    return tuple(dict.fromkeys(forms))


def _lemma_keys(text: str) -> list[str]:
    """Folded keys of the text with each Russian word put back in its dictionary forms."""
    words = WORD.findall(_strip_titles(text))
    if not words or len(words) > 6:
        return []
    choices = [_lemmas(w) if CYRILLIC.search(w) else (w,) for w in words]
    combos = itertools.islice(itertools.product(*choices), MAX_FORMS)
    return list(dict.fromkeys(" ".join(fold(w) for w in combo) for combo in combos))


@functools.lru_cache(maxsize=8192)
def _case_forms(alias: str, person: bool) -> tuple[str, ...]:
    """The Russian case forms of a nominative alias: every word of a person's name declines;
    in a phrase, the adjectives and the head noun do and the rest does not
    («Организации Договора о коллективной безопасности»)."""
    words = alias.split()
    head = len(words) if person else _head_length([_nominative(w) for w in words])
    forms = []
    for case in RU_CASES[1:]:
        changed = [_decline(word, case, person) for word in words[:head]]
        forms.append(" ".join(changed + words[head:]))
    return tuple(f for f in dict.fromkeys(forms) if f != alias)


# Russian-style surnames decline regularly, but pymorphy3 does not know most of the region's
# (it reads «Токаев» as a plural of «токай»), so their endings are spelt out here.
_SURNAME = re.compile(r"^[А-ЯЁ][а-яё]+(ов|ев|ёв|ин|ын)(а?)$")
_SURNAME_ENDINGS = {
    "": {"gent": "а", "datv": "у", "accs": "а", "ablt": "ым", "loct": "е"},
    "а": {"gent": "ой", "datv": "ой", "accs": "у", "ablt": "ой", "loct": "ой"},
}


def _decline(word: str, case: str, person: bool) -> str:
    if "-" in word:  # only the last part declines: «Касым-Жомарта», «Аль-Каиды»
        first, _, last = word.rpartition("-")
        return f"{first}-{_decline(last, case, person)}"
    match = _SURNAME.match(word) if person else None
    if match:
        stem = word[: len(word) - len(match.group(2))]
        ending = _SURNAME_ENDINGS[match.group(2)][case]
        return stem + ending
    return _inflect(word, _nominative(word), case)


@functools.lru_cache(maxsize=8192)
def _nominative(word: str) -> Any:
    if not CYRILLIC.search(word) or word.isupper():
        return None
    for parse in _morph().parse(word):
        if "nomn" in parse.tag:
            return parse
    return None


def _head_length(parses: list[Any]) -> int:
    for i, parse in enumerate(parses):
        if parse is None:
            return i
        if parse.tag.POS not in HEAD_POS:
            return i + 1
    return len(parses)


def _inflect(word: str, parse: Any, case: str) -> str:
    form = parse.inflect({case}) if parse is not None else None
    if form is None:
        return word
    out: str = form.word
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


# --- scanning ------------------------------------------------------------------------------------
def _make_scanner(
    entries: list[_Entry], starts: set[str], endings: tuple[str, ...] = ()
) -> _Scanner:
    index: dict[str, list[_Entry]] = {}
    for entry in entries:
        index.setdefault(entry.words[0], []).append(entry)
    for group in index.values():
        group.sort(key=lambda e: -len(e.words))
    starts = starts | set(index)
    ending = f"(?:{_trie(endings)})?" if endings else ""
    pattern = r"(?<!\w)" + _trie(sorted(starts)) + ending + r"(?!\w)"
    return _Scanner(re.compile(pattern, re.IGNORECASE), index)


def _trie(words: Iterable[str]) -> str:
    """One regular expression for many words, branching letter by letter, so that the scan
    costs about the same for ten aliases as for ten thousand."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(root) or "(?!)"


def _trie_node(node: dict[str, Any]) -> str:
    branches = [_letter(char) + _trie_node(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


LETTERS = {"е": "[её]", "ی": "[یيى]", "ک": "[کك]"}  # what fold() makes one letter


def _letter(char: str) -> str:
    return LETTERS.get(char) or re.escape(char)


def _words_from(text: str, first: re.Match[str], limit: int) -> list[Word]:
    """The first word and up to `limit - 1` more, stopping where punctuation breaks a name."""
    words = [(first.start(), first.end(), fold(first.group()))]
    while len(words) < limit:
        nxt = NEXT_WORD.match(text, words[-1][1])
        if nxt is None:
            break
        words.append((nxt.start(1), nxt.end(1), fold(nxt.group(1))))
    return words


Word = tuple[int, int, str]  # start, end, folded


def _match_at(
    scanner: _Scanner, text: str, first: re.Match[str], endings: tuple[str, ...]
) -> tuple[_Entry, int] | None:
    """The longest name that starts with this word, and where it ends."""
    word = fold(first.group())
    entries = scanner.index.get(word)
    if entries:
        words = _words_from(text, first, len(entries[0].words))
        found = _match(entries, text, words, endings)
        if found:
            return found
    for ending in endings:  # a one-word name with an ending: «УКМКнын», «Толибонро»
        stem, end = word[: -len(ending)], first.end() - len(ending)
        if not word.endswith(ending) or len(stem) < 2 or fold(text[end : first.end()]) != ending:
            continue
        alone = [e for e in scanner.index.get(stem, ()) if len(e.words) == 1]
        found = _match(alone, text, [(first.start(), end, stem)], ())
        if found:
            return found
    return None


def _match(
    entries: Iterable[_Entry], text: str, words: list[Word], endings: tuple[str, ...]
) -> tuple[_Entry, int] | None:
    for entry in entries:
        n = len(entry.words)
        if n > len(words) or any(words[k][2] != entry.words[k] for k in range(1, n - 1)):
            continue
        last = _last_word(text, words[n - 1], entry.words[n - 1], endings) if n > 1 else words[0]
        if last is None:
            continue
        span = [*words[: n - 1], last]
        if entry.rule.kind == "any" or _looks_right(entry.rule, text, span):
            return entry, last[1]
    return None


def _last_word(text: str, word: Word, wanted: str, endings: tuple[str, ...]) -> Word | None:
    """The last word of a name as the name has it, without the ending the text adds."""
    start, end, folded = word
    if folded == wanted:
        return word
    for ending in endings:
        if folded == wanted + ending and fold(text[end - len(ending) : end]) == ending:
            return start, end - len(ending), wanted
    return None


# --- small rules --------------------------------------------------------------------------------
def _type_factor(wanted: str | None, actual: str) -> float:
    if wanted is None or wanted == actual:
        return 1.0
    if {wanted, actual} == {"ORG", "LOC"}:
        return CROSS_TYPE
    return 0.0


def _surname_factor(entity: Entity, key: str) -> float:
    return SURNAME_ONLY if entity.type == "PER" and " " not in key else 1.0


def _same_words(a: str, b: str) -> bool:
    """Word by word: same count, same first letters, each word close (Lukashenko/Lukashenka,
    never Sadyr/Akylbek or Qiang/Keqiang)."""
    left, right = a.split(), b.split()
    if len(left) != len(right):
        return False
    for x, y in zip(left, right, strict=True):
        if x[0] != y[0] or Levenshtein.normalized_similarity(x, y) < FUZZY_WORD:
            return False
    return True


def _rule(alias: str) -> _Rule:
    letters = [c for c in alias if c.isalpha()]
    if not any(c.isupper() or c.islower() for c in letters):
        return _Rule("any")  # a script without case (Persian, Pashto, Chinese)
    words = WORD.findall(alias)
    inner_capital = any(any(c.isupper() for c in w[1:]) for w in words)
    if not any(c.islower() for c in letters) or inner_capital:
        surface = tuple(w.translate(APOSTROPHES) for w in words)
        return _Rule("exact", frozenset({surface}))
    return _Rule("capital" if letters and letters[0].isupper() else "any")


def _merge(old: _Rule | None, new: _Rule) -> _Rule:
    """Two aliases with one folded form: the more permissive rule wins."""
    if old is None:
        return new
    order = {"exact": 0, "capital": 1, "any": 2}
    if old.kind == new.kind == "exact":
        return _Rule("exact", old.surfaces | new.surfaces)
    return max(old, new, key=lambda r: order[r.kind])


def _looks_right(rule: _Rule, text: str, words: list[tuple[int, int, str]]) -> bool:
    if rule.kind == "capital":
        return text[words[0][0]].isupper()
    return tuple(text[s:e].translate(APOSTROPHES) for s, e, _ in words) in rule.surfaces
