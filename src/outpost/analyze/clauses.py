"""Clauses: each verb of a sentence with its subjects and objects, from spaCy's English parse.

The events stage parses only the sentences it keeps as events, a fraction of an article: per
token the parse costs two thirds of what the recogniser does. It needs the tagger and the
parser only (the attribute ruler, which maps tags to coarse parts of speech, would cost half
as much again; a verb is told from its tag).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from outpost.analyze import greedy, models, tokvecs
from outpost.records import Clause, Span

VERB_TAGS = {"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"}
SUBJECTS = {"nsubj", "nsubjpass", "agent", "csubj"}
OBJECTS = {"dobj", "pobj", "attr", "dative", "oprd"}


class Parser:
    """English sentences, each with the offset where it starts, to their clauses."""

    def __init__(self) -> None:
        self.english = models.english()

    def __call__(self, sentences: Sequence[tuple[int, str]]) -> list[list[Clause]]:
        if not sentences:
            return []
        parsed = self.parse([text for _, text in sentences])
        return [
            list(clauses(offset, doc)) for (offset, _), doc in zip(sentences, parsed, strict=True)
        ]

    def parse(self, texts: Sequence[str]) -> list[Any]:
        """spaCy Docs of `texts` with tags and dependencies."""
        docs = [self.english.make_doc(text) for text in texts]
        tok2vec = self.english.get_pipe("tok2vec")
        for batch in greedy.consecutive(docs, greedy.TOKENS):
            tok2vec.set_annotations(batch, tokvecs.predict(tok2vec.model, batch))
        docs = list(self.english.get_pipe("tagger").pipe(docs, batch_size=64))
        greedy.annotate(self.english.get_pipe("parser"), docs)
        return docs


def clauses(offset: int, parsed: Any) -> Iterator[Clause]:
    sentence = Span(offset, offset + len(parsed.text))
    for token in _verbs(parsed):
        subjects = [c for c in token.children if c.dep_ in SUBJECTS]
        objects = [c for c in token.children if c.dep_ in OBJECTS]
        objects += [
            g for c in token.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"
        ]
        if not subjects and not objects:
            continue
        yield Clause(
            sentence=sentence,
            verb=Span(offset + token.idx, offset + token.idx + len(token.text)),
            lemma=token.lemma_ or token.lower_,
            subjects=tuple(_subtree(offset, s) for s in subjects),
            objects=tuple(_subtree(offset, o) for o in objects),
            negated=any(c.dep_ == "neg" for c in token.children),
        )


def _verbs(parsed: Any) -> Iterator[Any]:
    """The verbs that head a clause (not auxiliaries), read from the tag array so that only
    they become Python objects."""
    from spacy.attrs import DEP, TAG

    strings = parsed.vocab.strings
    verb_tags = {strings.add(tag) for tag in VERB_TAGS}
    aux = strings.add("aux")
    for index, (tag, dep) in enumerate(parsed.to_array([TAG, DEP]).tolist()):
        if tag in verb_tags and dep != aux:
            yield parsed[index]


def _subtree(offset: int, token: Any) -> Span:
    left, right = token.left_edge, token.right_edge
    return Span(offset + left.idx, offset + right.idx + len(right.text))
