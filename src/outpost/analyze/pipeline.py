"""The analysis pipeline: an explicit, ordered list of stages over Docs, run in batches.

A stage is built once (models load in its constructor, never at import) and does no I/O. It
is a callable Doc -> Doc; a stage that gains from batching also has `pipe(docs)`. A stage
that fails on a document does not stop the batch: the document keeps what earlier stages
found and a note names the stage and the error.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from outpost.analyze.clean import MAX_CHARS, clean
from outpost.analyze.edits import original_span
from outpost.analyze.language import identify
from outpost.analyze.leads import LeadVectorStage
from outpost.records import Doc, Label, Span

VERSION = "5"  # bump when a stage changes what it finds: stored results are redone
PARAGRAPH = re.compile(r"[^\n]+")
MIN_PARAGRAPH_LETTERS = 40


class Stage(Protocol):
    name: str

    def __call__(self, doc: Doc) -> Doc: ...


class CleanStage:
    name = "clean"

    def __init__(self, is_known_name: Callable[[str], bool] = lambda _: False) -> None:
        self.is_known_name = is_known_name

    def __call__(self, doc: Doc) -> Doc:
        from razdel import sentenize

        edited = clean(doc.text, self.is_known_name)
        notes = doc.notes
        if len(doc.text) > MAX_CHARS:
            notes += (f"clean: text cut at {MAX_CHARS:,} of {len(doc.text):,} characters",)
        sentences = tuple(Span(s.start, s.stop) for s in sentenize(edited.text))
        return replace(
            doc, clean=edited.text, offsets=edited.offsets, sentences=sentences, notes=notes
        )


class LanguageStage:
    """The article's language (unless given) and each paragraph's."""

    name = "language"

    def __call__(self, doc: Doc) -> Doc:
        guessed = identify(doc.clean)[0] if not doc.lang else None
        lang = doc.lang or guessed
        paragraphs = []
        for m in PARAGRAPH.finditer(doc.clean):
            text = m.group()
            if text == doc.clean and not doc.lang:
                own = guessed  # one paragraph: the article's own guess, not made twice
            else:
                own = identify(text)[0] if len(text) >= MIN_PARAGRAPH_LETTERS else None
            paragraphs.append((Span(m.start(), m.end()), own or lang))
        notes = doc.notes if lang else (*doc.notes, "language: too little text to tell")
        return replace(doc, lang=lang, paragraphs=tuple(paragraphs), notes=notes)


@functools.cache
def _kb() -> tuple[Any, Any]:
    from outpost.analyze.linking import Linker
    from outpost.kb.actors import load_kb

    kb = load_kb()
    return kb, Linker(kb)


def _clean_stage() -> Stage:
    from outpost.analyze.link_stage import known_names

    names = frozenset(n.casefold() for n in known_names(_kb()[0]))
    return CleanStage(lambda word: word.casefold() in names)


def _entity_stage() -> Stage:
    from outpost.analyze.entities import EntityStage

    return EntityStage(ruler_patterns=_kb()[0].ruler_patterns("en"))


def _link_stage() -> Stage:
    from outpost.analyze.link_stage import LinkStage

    return LinkStage(*_kb())


def original_spans(doc: Doc, spans: Sequence[Span]) -> list[Span]:
    """Spans of the cleaned text as spans of the original text."""
    return [Span(*original_span(doc.offsets, s.start, s.end)) for s in spans if s.end > s.start]


class DateStage:
    """Date expressions resolved against the publication date, read in the original text."""

    name = "dates"

    def __call__(self, doc: Doc) -> Doc:
        from outpost.analyze.dates import find_dates

        return replace(doc, dates=tuple(find_dates(doc.text[:MAX_CHARS], doc.published, doc.lang)))


class ThreatStage:
    name = "threats"
    MIN_SCORE = 0.3  # weaker domains are noise of single words

    def __init__(self) -> None:
        from outpost.analyze.threats import ThreatTagger

        self.tagger = ThreatTagger.load()

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text[:MAX_CHARS]
        found = self.tagger.tag(text, original_spans(doc, doc.sentences), doc.lang)
        return replace(doc, threats=tuple(t for t in found if t.score >= self.MIN_SCORE))

    def sentence_domains(self, sentence: str, lang: str | None) -> list[str]:
        found = self.tagger.tag_sentence(sentence, 0, len(sentence), lang)
        return [t.domain for t in found if t.score >= self.MIN_SCORE]


class PlaceStage:
    """Place mentions (from NER and the KB, plus a gazetteer scan) resolved to coordinates,
    disambiguated by the article's context; and the article's focus place."""

    name = "places"

    def __init__(self, gazetteer: Any = None, region: tuple[float, float] | None = None) -> None:
        from outpost.analyze.gazetteer import load_gazetteer
        from outpost.config import load_settings

        settings = load_settings()
        self.gazetteer = gazetteer or load_gazetteer(settings.cache_dir, settings.watched_region)
        self.region = region  # None: the platform's default watched region

    def __call__(self, doc: Doc) -> Doc:
        from outpost.analyze.places import focus, merge, resolve, scan

        text = doc.text[:MAX_CHARS]
        named = [(m.start, m.end) for m in doc.mentions if m.type == "LOC"]
        people = [(m.start, m.end) for m in doc.mentions if m.type == "PER"]
        bodies = [(m.start, m.end) for m in doc.mentions if m.type == "ORG"]
        scanned = [  # "Vladimir" in "Vladimir Putin" is not the city
            (s, e)
            for s, e in scan(text, doc.lang, self.gazetteer)
            if _free(s, e, people)
            and not self._part_of_body(text, s, e, bodies)
            and self._enough(doc, text, s, e)
        ]
        found = resolve(merge(named, scanned), text, doc.lang, self.gazetteer, self.region)
        return replace(doc, places=tuple(found), focus=focus(found, lead_end(doc)))

    def _part_of_body(
        self, text: str, start: int, end: int, bodies: Sequence[tuple[int, int]]
    ) -> bool:
        """An acronym the recogniser read as an organisation ("NISA") is not the town a
        dictionary finds under it. A name in ordinary case stays a candidate, inside a longer
        name too: a capital read as an organisation is common, and "Gainesville Police" names a
        town. In a script without capitals, a word inside an organisation's name is a place
        only as a country or a town of the watched region: «وزارت داخله» is the interior
        ministry, not Dakhla in Western Sahara, where «پلیس هرات» names Herat."""
        from outpost.analyze.toponyms import cased

        name = text[start:end]
        if cased(name):
            return name.isupper() and (start, end) in bodies
        if not any(s <= start and end <= e for s, e in bodies):
            return False
        region = set(self.gazetteer.region)
        return not any(
            c.entry.kind == "country" or c.entry.country in region or c.entry.admin1 in region
            for c in self.gazetteer.lookup(name)
        )

    def _enough(self, doc: Doc, text: str, start: int, end: int) -> bool:
        """A small town of the watched region, in a language whose NER reads names or in a
        script without capitals, is taken outside the names NER found and beside a word that
        says a place: "Life Star", "Darrell D. Ross", "Nov. 13" and «سنگین» ("heavy") name no
        villages of Russia, Belarus, Tajikistan or Afghanistan here. So is a day's or a month's
        name in a script without capitals, whatever the town: «دوشنبه» is Monday and Dushanbe."""
        from outpost.analyze.toponyms import (
            CUES,
            calendar_cued,
            calendar_word,
            cased,
            cued,
            said_as_date,
        )

        name = text[start:end]
        names = [(m.start, m.end) for m in doc.mentions]
        if said_as_date(text, start, end):  # «Juma kuni» is "on Friday"
            return False
        if doc.lang in TRAINED_HERE and " " not in name and _opens_sentence(text, start):
            return False  # «Егер» ("if") is no Eger, «Міне» ("here is") no Minya
        if calendar_word(name):  # «روز دوشنبه» is "on Monday", «به دوشنبه» "to Dushanbe"
            return _free(start, end, names) and calendar_cued(text, start, end, doc.lang)
        short = len(name) <= 3 and not cased(name)  # «تور», Tver and "tour", in any case
        untagged = doc.lang in UNCASED_TRAINED_HERE and " " not in name  # «مالی», "financial"
        if not (short or untagged) and not self.gazetteer.only_regional(name):
            return True
        if not (short or untagged) and doc.lang not in CUES and cased(name):
            return True  # Tajik, Kyrgyz, Uzbek: no recogniser; a capital letter says a name
        return _free(start, end, names) and cued(text, start, end, doc.lang)


# Cased languages whose tagger Outpost trains (`regional_ner`): at a sentence's start a
# capital says nothing, and a word there that the tagger did not read as a name is taken for
# none; its own places it tags.
TRAINED_HERE = frozenset({"kk"})
# Persian and Dari: a script without capitals, where many a word is some town's name («مالی»,
# "financial", is Mali; «آستانه», "threshold", Astana). One word the tagger did not read as a
# place is taken only where a word around it says a place.
UNCASED_TRAINED_HERE = frozenset({"fa", "prs"})
SENTENCE_END = frozenset(".!?…\n")


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(' \t«"“(—–-')
    return not before or before[-1] in SENTENCE_END


def _free(start: int, end: int, taken: Sequence[tuple[int, int]]) -> bool:
    return all(end <= s or start >= e for s, e in taken)


LEAD_SENTENCES = 3


def lead_end(doc: Doc) -> int:
    """Where the lead ends in the original text: the title and first sentences."""
    sentences = original_spans(doc, doc.sentences[:LEAD_SENTENCES])
    return sentences[-1].end if sentences else 0


@functools.cache
def _classifier() -> Any:
    from outpost.analyze.event_types import EventTypeClassifier
    from outpost.config import load_settings

    return EventTypeClassifier.load(load_settings().cache_dir)


class EventTypeStage:
    """The article's event type, from its title and lead, for a whole batch at once."""

    name = "event_types"

    def __init__(self) -> None:
        from outpost.analyze.event_types import EventTypeClassifier

        self.classifier = _classifier()
        # The sentence encoder (all-MiniLM-L6-v2) reads English only; other languages are
        # typed by character n-grams, which the encoder would only slow down.
        self.fast = EventTypeClassifier(self.classifier.taxonomy, self.classifier.weights, None)

    def __call__(self, doc: Doc) -> Doc:
        return self.pipe([doc])[0]

    def pipe(self, docs: Sequence[Doc]) -> list[Doc]:
        leads = [_lead_text(doc) for doc in docs]
        labels: dict[int, tuple[Label, ...]] = {}
        for english in (True, False):
            todo = [
                i for i, lead in enumerate(leads) if lead.strip() and _english(docs[i]) == english
            ]
            model = self.classifier if english else self.fast
            labels.update(zip(todo, model.classify([leads[i] for i in todo]), strict=True))
        return [
            replace(doc, event_types=labels.get(i, ()), event_type=(labels.get(i) or (None,))[0])
            for i, doc in enumerate(docs)
        ]


def _english(doc: Doc) -> bool:
    return doc.lang == "en"


LEAD_CHARS = 320  # the encoder's cost grows with length; a news lead tells the type early


def _lead_text(doc: Doc) -> str:
    end = lead_end(doc)
    lead = doc.clean[:end] if end else doc.clean
    text = f"{doc.title}. {lead}" if doc.title and doc.title not in lead else lead
    return text[:LEAD_CHARS]


def _event_stage() -> Stage:
    from outpost.analyze.clauses import Parser
    from outpost.analyze.event_types import EventTypeClassifier
    from outpost.analyze.events import EventStage

    # Sentences are typed by character n-grams alone: the sentence vectors cost ~20 ms each
    # here, and an article has a dozen candidate sentences (0.69 against 0.79 weighted F1 on
    # CASE dev; the article's own type keeps the vectors).
    full = _classifier()
    fast = EventTypeClassifier(full.taxonomy, full.weights, None)
    every_type = functools.partial(fast.classify, top=len(full.taxonomy.names))
    return EventStage(every_type, ThreatStage().sentence_domains, Parser())


BUILDERS: dict[str, Callable[[], Stage]] = {
    "clean": _clean_stage,
    "language": LanguageStage,
    "entities": _entity_stage,
    "linking": _link_stage,
    "places": PlaceStage,
    "dates": DateStage,
    "threats": ThreatStage,
    "event_types": EventTypeStage,
    "events": _event_stage,
    "vector": LeadVectorStage,
}
DEFAULT = tuple(BUILDERS)
# Articles analysed together. Larger batches gain little (the recogniser decodes hundreds of
# segments side by side either way), and with two workers a short run's last batch leaves a
# core idle: 89 VOA stories ran at 28.9 articles/s in batches of 16, 23.5 in batches of 32.
BATCH_SIZE = 16


class Pipeline:
    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)
        self.seconds: dict[str, float] = dict.fromkeys((s.name for s in stages), 0.0)

    @classmethod
    def load(cls, stages: Sequence[str] = DEFAULT, workers: int = 1) -> Pipeline:
        """Build the stages; `workers` > 1 readies the models for forked worker processes."""
        if workers > 1:
            _one_thread_each()
        unknown = [s for s in stages if s not in BUILDERS]
        if unknown:
            raise ValueError(f"unknown stages {unknown}; known: {list(BUILDERS)}")
        pipeline = cls([BUILDERS[name]() for name in stages])
        _settle()
        return pipeline

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(
        self, docs: Iterable[Doc], batch_size: int = BATCH_SIZE, workers: int = 1
    ) -> Iterator[Doc]:
        """Analysed docs, in input order; with workers > 1, batches run in that many processes."""
        batches = _batches(docs, batch_size)
        if workers > 1:
            yield from self._pipe_forked(batches, workers)
            return
        for batch in batches:
            yield from self._batch(batch)[0]

    def _batch(self, batch: list[Doc]) -> tuple[list[Doc], dict[str, float]]:
        seconds = {}
        for stage in self.stages:
            started = time.perf_counter()
            batch = _run(stage, batch)
            seconds[stage.name] = time.perf_counter() - started
            self.seconds[stage.name] += seconds[stage.name]
        return batch, seconds

    def _pipe_forked(self, batches: Iterator[list[Doc]], workers: int) -> Iterator[Doc]:
        # Forked workers share the loaded models with this process page by page (copy on
        # write): two workers cost little more memory than one, where spawned ones would
        # each load their own gigabyte.
        global _forked
        _forked = self
        context = multiprocessing.get_context("fork")
        # The collector would write to every object it visits, copying the models' pages
        # into each worker: frozen objects are never visited.
        _settle()
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: deque[Future[tuple[list[Doc], dict[str, float]]]] = deque()
            for batch in batches:
                pending.append(pool.submit(_forked_batch, batch))
                if len(pending) > 2 * workers:  # bounded: the input may be a long stream
                    yield from self._collect(pending.popleft())
            while pending:
                yield from self._collect(pending.popleft())

    def _collect(self, future: Future[tuple[list[Doc], dict[str, float]]]) -> list[Doc]:
        done, seconds = future.result()
        for name, spent in seconds.items():
            self.seconds[name] += spent
        return done


def _settle() -> None:
    """Hide what is alive now (the models, above all) from the cyclic collector for good.

    The models are half a million objects that live as long as the process. Each full
    collection walked all of them, 0.35 s, and two fell in 267 English articles (0.7 s of
    12; frozen after loading: VOA 21 -> 24.5 articles/s, one worker). Garbage is collected
    first, so only objects in use are frozen; later calls walk only what came since.
    """
    gc.collect()
    gc.freeze()


def _one_thread_each() -> None:
    # Each worker takes a core; more threads only fight each other. It also keeps torch's
    # OpenMP pool from starting before the fork, since a forked copy of one can hang.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = "1"
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    # numpy's OpenBLAS (spaCy's matrix products) has read its variable already if imported.
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(1)


_forked: Pipeline | None = None  # the pipeline a forked worker inherits


def _forked_batch(batch: list[Doc]) -> tuple[list[Doc], dict[str, float]]:
    assert _forked is not None, "workers are forked from a process that set the pipeline"
    return _forked._batch(batch)


def _batches(docs: Iterable[Doc], size: int) -> Iterator[list[Doc]]:
    iterator = iter(docs)
    while batch := list(islice(iterator, size)):
        yield batch


def _run(stage: Stage, docs: list[Doc]) -> list[Doc]:
    pipe: Callable[[list[Doc]], list[Doc]] | None = getattr(stage, "pipe", None)
    if pipe is not None:
        try:
            return list(pipe(docs))
        except Exception:  # find the document that broke it; the others go on
            pass
    return [_one(stage, doc) for doc in docs]


def _one(stage: Stage, doc: Doc) -> Doc:
    try:
        return stage(doc)
    except Exception as exc:
        return replace(
            doc, notes=(*doc.notes, f"{stage.name}: failed: {type(exc).__name__}: {exc}")
        )


@functools.cache
def default_pipeline() -> Pipeline:
    return Pipeline.load()


def analyze(
    text: str,
    published: datetime | None = None,
    lang: str | None = None,
    title: str | None = None,
    id: str = "",
    pipeline: Pipeline | None = None,
) -> Doc:
    """Analyse one text without a database: `outpost.analyze("...", published=...)`."""
    doc = Doc(id=id, text=text, published=published, title=title, lang=lang)
    return (pipeline or default_pipeline())(doc)
