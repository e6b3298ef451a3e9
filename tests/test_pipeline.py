"""The whole pipeline on real models: offsets into the input, batches, hostile input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outpost.analyze.pipeline import Pipeline, analyze
from outpost.records import Doc
from tests.conftest import SHARED

RUSSIAN = (
    "Президент Казахстана Касым-Жомарт Токаев встретился с Владимиром Путиным в Душанбе. "
    "Лидеры ОДКБ поддержали предложение Токаева."
)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load()


def test_russian_mentions_point_into_the_input(pipeline: Pipeline) -> None:
    doc = analyze(RUSSIAN, published=datetime(2021, 9, 16, tzinfo=UTC), pipeline=pipeline)
    assert doc.lang == "ru"
    found = {(m.text, m.type, m.kb_id, m.name) for m in doc.mentions}
    assert ("Владимиром Путиным", "PER", "person:putin", "Vladimir Putin") in found
    assert ("Касым-Жомарт Токаев", "PER", "person:tokayev", "Kassym-Jomart Tokayev") in found
    assert ("Токаева", "PER", "person:tokayev", "Kassym-Jomart Tokayev") in found
    assert ("ОДКБ", "ORG", "org:csto") in {(m.text, m.type, m.kb_id) for m in doc.mentions}
    for m in doc.mentions:
        assert RUSSIAN[m.start : m.end] == m.text


def test_english_offsets_survive_cleaning(pipeline: Pipeline) -> None:
    text = "Leaders met in Dushanbe.\n\nPresident of Belarus ALEXANDER LUKASHENKO spoke,warning."
    doc = analyze(text, pipeline=pipeline)
    people = [m for m in doc.mentions if m.type == "PER" and "LUKASHENKO" in m.text]
    assert len(people) == 1
    assert people[0].text.endswith("ALEXANDER LUKASHENKO")  # read as a name once cleaned
    assert people[0].name.endswith("Alexander Lukashenko")
    assert text[people[0].start : people[0].end] == people[0].text


def test_mixed_languages_each_read_by_its_model(pipeline: Pipeline) -> None:
    text = (
        "The summit of the alliance was held in Dushanbe on Thursday with Vladimir Putin.\n"
        "Саммит прошёл в Душанбе, в нём участвовал президент Киргизии Садыр Жапаров."
    )
    doc = analyze(text, pipeline=pipeline)
    assert [lang for _, lang in doc.paragraphs] == ["en", "ru"]
    people = {m.kb_id for m in doc.mentions if m.type == "PER"}
    assert {"person:putin", "person:sadyr-japarov"} <= people


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("", "language"),
        ("Тоҷикистон кишвари кӯҳистонӣ дар Осиёи Марказӣ мебошад. Пойтахти он Душанбе аст.", "tg"),
        ("\x00\x01\x02 \ufffd" * 50, "language"),
    ],
)
def test_what_cannot_be_done_is_noted(pipeline: Pipeline, text: str, note: str) -> None:
    doc = analyze(text, pipeline=pipeline)
    assert any(note in n for n in doc.notes), doc.notes


def test_a_million_characters_are_cut_and_noted(pipeline: Pipeline) -> None:
    text = ("Border guards met in Dushanbe. " * 40_000)[:1_000_000]
    doc = analyze(text, pipeline=pipeline)
    assert any("cut at" in n for n in doc.notes)
    assert all(m.end <= len(text) for m in doc.mentions)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=400))
def test_hostile_text_never_breaks_a_batch(pipeline: Pipeline, text: str) -> None:
    docs = [Doc(id="a", text=text), Doc(id="b", text=RUSSIAN)]
    out = list(pipeline.pipe(docs))
    assert [d.id for d in out] == ["a", "b"]
    assert any(m.kb_id == "person:putin" for m in out[1].mentions)
    for m in out[0].mentions:
        assert text[m.start : m.end] == m.text


def test_analyze_command_writes_one_object_per_line_in_order() -> None:
    lines = [
        json.dumps({"id": "1", "text": RUSSIAN, "published": "2021-09-16"}),
        "{broken",
        json.dumps({"id": "3", "text": "Putin spoke in Moscow.", "lang": "en"}),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "outpost", "analyze", "-", "--format", "jsonl"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1  # one line could not be read
    assert [o.get("id") for o in out] == ["1", None, "3"]
    assert "malformed JSON" in out[1]["error"]
    assert out[0]["lang"] == "ru" and out[2]["lang"] == "en"
    for entity in out[0]["entities"]:
        assert RUSSIAN[entity["start"] : entity["end"]] == entity["text"]


def test_a_post_names_its_holder_on_the_day(pipeline: Pipeline) -> None:
    text = "Встреча президента России и премьер-министра Армении прошла в Москве."
    doc = analyze(text, published=datetime(2021, 8, 23, tzinfo=UTC), pipeline=pipeline)
    roles = {(m.text, m.kb_id) for m in doc.mentions if m.method == "role"}
    assert roles == {
        ("президента России", "person:putin"),
        ("премьер-министра Армении", "person:pashinyan"),
    }


def test_library_entry_point_needs_no_database() -> None:
    import outpost

    doc = outpost.analyze("Putin met Tokayev in Dushanbe.", published=None, lang="en")
    assert isinstance(doc, Doc)
    assert {"person:putin", "person:tokayev"} <= {m.kb_id for m in doc.mentions}
    assert doc.focus is not None and doc.focus.country == "TJ"


def test_sentences_that_can_name_no_one_are_not_read_by_the_recogniser() -> None:
    from outpost.analyze.entities import Run, named_stretches

    text = (
        "Putin met Tokayev in Astana. It was cold and the talks were long. "
        "They agreed on nothing. Lukashenko said it was important."
    )
    doc = next(Pipeline.load(("clean", "language")).pipe([Doc(id="x", text=text, lang="en")]))
    stretches = named_stretches(doc, Run(0, 0, len(doc.clean), "en"))
    read = " ".join(doc.clean[r.start : r.end] for r in stretches)
    assert "Putin met Tokayev" in read and "Lukashenko said" in read  # a name first is kept
    assert "It was cold" not in read and "They agreed" not in read
    assert len(stretches) == 2


def _voa_texts(count: int) -> list[str]:
    stories = (SHARED / "data" / "voa" / "voa_stories.jsonl").read_text(encoding="utf-8")
    return [json.loads(line)["text"] for line in stories.splitlines()[:count]]


def test_recogniser_decoded_here_finds_what_spacy_finds() -> None:
    from outpost.analyze.entities import recognise
    from outpost.analyze.pipeline import _entity_stage

    english = _entity_stage().english  # with the knowledge base's entity ruler
    texts = [*_voa_texts(12), "", "\n\n", "Putin", "Kassym-Jomart Tokayev met the CSTO.\n\nISIS-K"]
    texts.append(" ".join(re.findall(r"\w+", texts[0])))  # no sentence ends: cut anyway
    with english.select_pipes(enable=["entity_ruler", "ner"]):
        expected = [_entity_tokens(doc) for doc in english.pipe(texts)]
    found = [_entity_tokens(doc) for doc in recognise(english, texts)]
    assert found == expected  # every token's entity tag, label and knowledge-base id
    assert sum(t[0] == 3 for doc in found[:12] for t in doc) > 300  # entities begun
    ids = [{t[3] for t in doc if t[0] == 3} for doc in found]
    assert ids[12] == ids[13] == set() and ids[14] == {"person:putin"}
    assert {"person:tokayev", "org:csto"} <= ids[15]


def test_token_vectors_embedded_once_per_distinct_token_are_spacys() -> None:
    import numpy as np

    from outpost.analyze import tokvecs
    from outpost.analyze.models import english

    nlp = english()
    tok2vec = nlp.get_pipe("ner").model.get_ref("tok2vec")
    docs = [nlp.make_doc(text) for text in ["", *_voa_texts(6), "Putin", ""]]
    assert tokvecs._layers(tok2vec) is not None  # the shortcut is taken, not the fallback
    ours, theirs = tokvecs.predict(tok2vec, docs), tok2vec.predict(docs)
    assert ours.shape == theirs.shape == (sum(len(d) for d in docs), 64)
    assert np.allclose(ours, theirs, rtol=0, atol=1e-5)
    features = tok2vec.layers[0].layers[0].layers[0]  # extract_features
    ids = np.concatenate(features.predict(docs))
    distinct, inverse = tokvecs._distinct_rows(ids)
    assert (distinct[inverse] == ids).all() and len(distinct) < len(ids) / 2


def _entity_tokens(doc: Any) -> list[tuple[int, str, str, str]]:
    return [(t.ent_iob, t.ent_type_, t.ent_kb_id_, t.ent_id_) for t in doc]


def test_parser_decoded_here_parses_as_spacy_does() -> None:
    from outpost.analyze.clauses import Parser

    parser = Parser()
    sentences = [s for text in _voa_texts(3) for s in text.split(". ") if s.strip()]
    with parser.english.select_pipes(enable=["tok2vec", "tagger", "parser"]):
        expected = [[(t.head.i, t.dep_, t.tag_) for t in d] for d in parser.english.pipe(sentences)]
    found = [[(t.head.i, t.dep_, t.tag_) for t in d] for d in parser.parse(sentences)]
    assert found == expected
    assert len(found) > 50 and sum(dep == "nsubj" for d in found for _, dep, _ in d) > 50


def test_recogniser_decoded_here_keeps_to_preset_entities_as_spacy_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Random entities, blocked and outside spans set before the recogniser runs (as a ruler
    or an annotator would) force its rarer moves; the result must still be spaCy's. Preset
    entities that run over a sentence end make segments be decoded again."""
    import random

    from spacy.tokens import Span

    from outpost.analyze import biluo
    from outpost.analyze.models import english

    rounds: list[int] = []
    decode_segments = biluo._decode_segments

    def counted(*args: Any) -> list[Any]:
        rounds.append(len(args[-1]))
        return decode_segments(*args)

    monkeypatch.setattr(biluo, "_decode_segments", counted)

    nlp = english()
    ner = nlp.get_pipe("ner")
    labels = sorted(ner.labels)
    rng = random.Random(7)

    def preset(text: str) -> Any:
        doc = nlp.make_doc(text)
        spans = []
        for start in sorted(rng.sample(range(len(doc) - 4), 12)):
            if all(start >= s.end + 1 for s in spans):
                spans.append(Span(doc, start, start + rng.randint(1, 3), rng.choice(labels)))
        kinds = [rng.choice(("entity", "blocked", "outside")) for _ in spans]
        doc.set_ents(
            [s for s, k in zip(spans, kinds, strict=True) if k == "entity"],
            blocked=[s for s, k in zip(spans, kinds, strict=True) if k == "blocked"],
            outside=[s for s, k in zip(spans, kinds, strict=True) if k == "outside"],
            default="unmodified",
        )
        return doc

    texts = [text[:1500] for text in _voa_texts(16)]
    theirs = [preset(text) for text in texts]
    rng = random.Random(7)
    ours = [preset(text) for text in texts]
    ner.set_annotations(theirs, ner.predict(theirs))
    biluo.annotate(ner, ours)
    assert [_entity_tokens(d) for d in ours] == [_entity_tokens(d) for d in theirs]
    assert len(rounds) > 1 and rounds[0] > 16 * 5  # segments decoded again after the first
    assert sum(t.ent_iob == 3 and not t.ent_type for d in ours for t in d) > 5  # blocked kept
