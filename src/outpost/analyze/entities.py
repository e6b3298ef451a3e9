"""Entities: people, organisations and places named in the text.

Russian goes through natasha (slovnet NER), English through spaCy's recogniser, Persian/Dari
and Kazakh through our own models (`regional_ner`); a language with no model gets only what
the knowledge base's dictionary scan finds, and the Doc says so. Text of mixed languages is
cut into runs of paragraphs in one language, each read by its own model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from outpost.analyze import biluo, models, regional_ner, russian
from outpost.analyze.edits import original_span
from outpost.records import Doc, Mention, Span

SPACY_TYPES = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
MODEL_LANGS = ("en", "ru", *regional_ner.MODEL_OF)


@dataclass(frozen=True)
class Run:
    """Consecutive paragraphs in one language: what one model reads in one go."""

    doc: int
    start: int
    end: int
    lang: str | None


def runs(doc: Doc, index: int) -> list[Run]:
    found: list[Run] = []
    for span, lang in doc.paragraphs or ((Span(0, len(doc.clean)), doc.lang),):
        lang = lang or doc.lang
        if lang != doc.lang == "ru" and _russian_letters(doc.clean[span.start : span.end]):
            lang = "ru"
        if found and found[-1].lang == lang:
            found[-1] = replace(found[-1], end=span.end)
        else:
            found.append(Run(index, span.start, span.end, lang))
    return found


def named_stretches(doc: Doc, run: Run) -> list[Run]:
    """The run without its sentences that can name no one: no capital letter but the first,
    and that one on a common word ("The", "But", "It"). A tenth of English news text; the
    recogniser's window reaches four tokens, so cutting at sentence ends changes little."""
    skipped = [
        s
        for s in doc.sentences
        if run.start <= s.start and s.end <= run.end and _nameless(doc.clean[s.start : s.end])
    ]
    stretches, start = [], run.start
    for sentence in skipped:
        if sentence.start > start and doc.clean[start : sentence.start].strip():
            stretches.append(replace(run, start=start, end=sentence.start))
        start = max(start, sentence.end)
    if doc.clean[start : run.end].strip():
        stretches.append(replace(run, start=start, end=run.end))
    return stretches


WORD = re.compile(r"[^\W\d_]+")


def _nameless(sentence: str) -> bool:
    from spacy.lang.en.stop_words import STOP_WORDS  # loaded with the English model anyway

    words = WORD.findall(sentence)
    if not words or any(c.isupper() for w in words for c in w[1:]):
        return False
    capitals = [w for w in words if w[0].isupper()]
    return not capitals or (capitals == [words[0]] and words[0].lower() in STOP_WORDS)


def recognise(english: Any, texts: Sequence[str]) -> list[Any]:
    """spaCy Docs of `texts`, in order, with the entity ruler's and the recogniser's names
    (the small English recogniser has its own embedding layer: nothing else need run)."""
    docs = [english.make_doc(text) for text in texts]
    if "entity_ruler" in english.pipe_names:
        ruler = english.get_pipe("entity_ruler")
        docs = [ruler(doc) for doc in docs]
    biluo.annotate(english.get_pipe("ner"), docs)
    return docs


class EntityStage:
    """NER over a batch of docs; mentions carry offsets into the original text."""

    name = "entities"

    def __init__(self, ruler_patterns: Sequence[dict[str, Any]] = ()) -> None:
        self.english = models.english()
        if ruler_patterns and "entity_ruler" not in self.english.pipe_names:
            ruler = self.english.add_pipe("entity_ruler", before="ner")
            ruler.add_patterns(list(ruler_patterns))
        self.segmenter, self.russian = models.russian()
        self.regional = {lang: regional_ner.tagger(lang) for lang in regional_ner.MODEL_OF}

    def __call__(self, doc: Doc) -> Doc:
        return self.pipe([doc])[0]

    def pipe(self, docs: Sequence[Doc]) -> list[Doc]:
        all_runs = [run for i, doc in enumerate(docs) for run in runs(doc, i)]
        mentions: list[list[Mention]] = [[] for _ in docs]
        notes: list[list[str]] = [[] for _ in docs]
        english = [c for r in all_runs if r.lang == "en" for c in named_stretches(docs[r.doc], r)]
        texts = (docs[r.doc].clean[r.start : r.end] for r in english)
        # Names need only the recogniser; the events stage parses the sentences it keeps.
        parsed_runs = recognise(self.english, list(texts))
        for run, parsed in zip(english, parsed_runs, strict=True):
            mentions[run.doc].extend(_spacy_mentions(docs[run.doc], run.start, parsed))
        for run in all_runs:
            if run.lang == "ru":
                text = docs[run.doc].clean[run.start : run.end]
                mentions[run.doc].extend(self._natasha(docs[run.doc], run.start, text))
            elif run.lang in self.regional:
                mentions[run.doc].extend(self._regional(docs[run.doc], run))
            elif run.lang not in MODEL_LANGS and run.end - run.start > 20:
                notes[run.doc].append(f"entities: no NER model for {run.lang or 'unknown'!r}")
        return [
            replace(
                doc,
                mentions=doc.mentions + tuple(mentions[i]),
                notes=doc.notes + tuple(dict.fromkeys(notes[i])),
            )
            for i, doc in enumerate(docs)
        ]

    def _natasha(self, doc: Doc, offset: int, text: str) -> Iterator[Mention]:
        from natasha import Doc as NatashaDoc

        parsed = NatashaDoc(text)
        parsed.segment(self.segmenter)
        parsed.tag_ner(self.russian)
        spans = [(span.start, span.stop, span.type) for span in parsed.spans]
        for name in russian.read(text, spans):
            yield mention(doc, offset + name.start, offset + name.end, name.type, name.method)

    def _regional(self, doc: Doc, run: Run) -> Iterator[Mention]:
        assert run.lang is not None  # only runs of a language with a tagger come here
        tagger = self.regional[run.lang]
        for start, end, kind in tagger.spans(doc.clean[run.start : run.end]):
            # the name as written: Kazakh is Cyrillic, but Russian's inflection rules are wrong
            # for it, and Persian names do not inflect
            text = doc.clean[run.start + start : run.start + end]
            yield mention(doc, run.start + start, run.start + end, kind, tagger.method, name=text)


# Letters of the other Cyrillic alphabets (Ukrainian, Belarusian, Serbian, Macedonian, Kazakh,
# Kyrgyz, Uzbek, Tajik, ...), none of them Russian.
NON_RUSSIAN_CYRILLIC = re.compile(r"[\u0400-\u04ff](?<![а-яёА-ЯЁ])")
LETTERS = re.compile(r"[^\W\d_]")


def _russian_letters(text: str) -> bool:
    """Whether a paragraph is written in Russian letters only, mostly Cyrillic. A short one in
    a Russian article («• Тору Камикава (Япония) • Шамсул Майдин (Сингапур)», a headline) is
    often guessed as Bulgarian or Uzbek; the alphabet says it is Russian: those languages'
    text carries letters Russian lacks (ў, қ, і, ј) or is a whole article of its own."""
    letters = LETTERS.findall(text)
    cyrillic = sum(1 for c in letters if CYRILLIC.match(c))
    return cyrillic * 2 > len(letters) and not NON_RUSSIAN_CYRILLIC.search(text)


def mention(
    doc: Doc, start: int, end: int, kind: str, method: str, name: str | None = None
) -> Mention:
    """A mention from cleaned-text offsets, pointing into the original text; its normal name
    is `name` when given, else the Russian nominative of Cyrillic text, else the text."""
    while end > start and doc.clean[end - 1].isspace():  # spaCy keeps trailing newlines
        end -= 1
    while start < end and doc.clean[start].isspace():
        start += 1
    first, last = original_span(doc.offsets, start, end)
    clean_text = doc.clean[start:end]
    if name is None:
        russian_text = doc.lang == "ru" or _cyrillic(clean_text)
        name = normal_name(clean_text, kind) if russian_text else clean_text
    return Mention(doc.text[first:last], kind, first, last, name, method=method)


def _spacy_mentions(doc: Doc, offset: int, parsed: Any) -> Iterator[Mention]:
    for ent in parsed.ents:
        kind = SPACY_TYPES.get(ent.label_)
        if kind is None:
            continue
        start, end = offset + ent.start_char, offset + ent.end_char
        # "the Taliban" → "Taliban": the article is not part of the name.
        if ent[0].lower_ == "the" and len(ent) > 1:
            start = offset + ent[1].idx
        # "Boko Haram’s" → "Boko Haram": the tokenizer splits the straight apostrophe only.
        if ent.text.endswith(("’s", "’")) and len(ent.text) > 3:
            end -= 2 if ent.text.endswith("’s") else 1
        found = mention(doc, start, end, kind, "kb" if ent.ent_id_ else "spacy")
        yield replace(found, kb_id=ent.ent_id_ or None)


CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")


def _cyrillic(text: str) -> bool:
    return bool(CYRILLIC.search(text))


MALE_SURNAME = re.compile(r"(ов|ев|ёв|ин|ын|ский|цкий|ской)$")


def normal_name(text: str, kind: str) -> str:
    """Nominative form of a Russian name: «Токаева» → «Токаев», «Конституционного суда» →
    «Конституционный суд». Words up to the first noun are inflected, the rest kept
    («Министерства иностранных дел» → «Министерство иностранных дел»)."""
    if kind == "PER":
        return _person_name(text)
    morph = models.morph()
    words = text.split()
    out = []
    for i, word in enumerate(words):
        if not _cyrillic(word):
            out.append(word)
            continue
        parses = morph.parse(word)
        parse = _best_parse(parses, kind)
        form = parse.inflect({"nomn"}) if parse is not None else None
        out.append(_same_case(word, form.word) if form is not None else word)
        head = parse or (parses[0] if parses else None)
        if head is not None and "NOUN" in head.tag:
            out.extend(words[i + 1 :])
            break
    return " ".join(out)


def _person_name(text: str) -> str:
    """A person's name in the nominative. The case and gender come from the first name when
    there is one («Садыра Жапарова»: genitive, male); a surname alone is read as male unless
    only a female reading exists, as officials in this region's news mostly are."""
    morph = models.morph()
    words = text.split()
    grammemes: set[str] = set()
    for word in words[:-1]:  # the last word is the surname: its own reading is the question
        for parse in morph.parse(word):
            if "Name" in parse.tag and parse.tag.case:
                grammemes = {parse.tag.case, parse.tag.gender or "masc"}
                break
        if grammemes:
            break
    if "nomn" in grammemes:
        return text  # the first name is nominative, so is the rest
    out = []
    for word in words:
        if not _cyrillic(word):
            out.append(word)
            continue
        if not grammemes and MALE_SURNAME.search(word.lower()):
            out.append(word)  # already a male surname in the nominative
            continue
        if not grammemes and SURNAME_CASES.match(word):
            # «Токаева»: the genitive of a male surname far more often than a female one
            out.append(_unknown_surname(word))
            continue
        out.append(_inflect_person_word(morph, word, grammemes))
    if not grammemes and len(out) > 1 and out[-1] != words[-1] and words[-1].endswith("а"):
        # a first name the dictionary does not know, in the same case: «Касым-Жомарта»
        out = [w[:-1] if w.endswith("а") and "-" in w else w for w in out[:-1]] + out[-1:]
    return " ".join(out)


SURNAME_CASES = re.compile(r"^(.+(?:ов|ев|ёв|ин|ын))(а|у|ым|е)$")


def _unknown_surname(word: str) -> str:
    """A surname the dictionary does not know, in an oblique case of the male declension:
    «Токаева», «Токаеву», «Токаевым», «Токаеве» → «Токаев»."""
    match = SURNAME_CASES.match(word)
    return match.group(1) if match else word


def _inflect_person_word(morph: Any, word: str, grammemes: set[str]) -> str:
    parses = [p for p in morph.parse(word) if {"Name", "Surn", "Patr"} & set(p.tag.grammemes)]
    if grammemes:
        parses = [p for p in parses if grammemes <= set(p.tag.grammemes)] or parses
    else:
        parses = sorted(parses, key=lambda p: ("masc" not in p.tag, "nomn" in p.tag))
    if not parses:
        return _unknown_surname(word)
    if "nomn" in parses[0].tag:
        return word
    form = parses[0].inflect({"nomn"})
    return _same_case(word, form.word) if form is not None else word


def _best_parse(parses: Sequence[Any], kind: str) -> Any:
    """The reading of a word as a name of this kind; None when it already is nominative, so
    «Токаев» is not mistaken for a plural genitive and "inflected" into «Токаи»."""
    wanted = {"PER": ("Surn", "Name", "Patr"), "LOC": ("Geox",), "ORG": ("Orgn",)}.get(kind, ())
    named = [p for p in parses if any(tag in p.tag for tag in wanted)] or list(parses[:1])
    if any("nomn" in p.tag for p in named):
        return None
    return named[0] if named else None


def _same_case(original: str, word: str) -> str:
    if original.isupper():
        return word.upper()
    if original[:1].isupper():
        return "-".join(p[:1].upper() + p[1:] for p in word.split("-"))
    return word
