"""Articles per second of the Persian/Dari and Kazakh taggers against the Russian path.

From the repository's root, with `../shared/data` beside it:

    PYTHONPATH=src python benchmarks/ner/speed.py [--articles 40] [--chars 3000]

Articles of about `--chars` characters are made by joining dev sentences (PEYMA dev for
Persian, KazNERD's last 20% for Kazakh) and factRuEval dev texts (Russian). Each is timed
three ways, one article at a time on one thread: the tagger alone (the CRF, or natasha's
NER for Russian), the entity stage behind cleaning and language identification, and the
whole pipeline (`outpost.analyze(text, lang=...)`, every stage).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import torch

from outpost.analyze import models, regional_ner
from outpost.analyze.pipeline import Pipeline, analyze
from outpost.evaluate import factru, kaznerd, ner_sets
from outpost.records import Doc


def articles(texts: Iterable[str], chars: int, count: int) -> list[str]:
    """Texts joined, with blank lines, into articles of at least `chars` characters."""
    out, current = [], ""
    for text in texts:
        current = f"{current}\n\n{text}" if current else text
        if len(current) >= chars:
            out.append(current)
            current = ""
            if len(out) == count:
                break
    return out


def per_second(run: Callable[[str], object], texts: Sequence[str]) -> float:
    run(texts[0])  # models load and warm up outside the clock
    start = time.perf_counter()
    for text in texts:
        run(text)
    return len(texts) / (time.perf_counter() - start)


def natasha(text: str) -> object:
    from natasha import Doc as NatashaDoc

    segmenter, tagger = models.russian()
    parsed = NatashaDoc(text)
    parsed.segment(segmenter)
    parsed.tag_ner(tagger)
    return parsed.spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--chars", type=int, default=3000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data, n, chars = args.data, args.articles, args.chars
    sets = {
        "fa": articles(
            (ner_sets.markup(s).text for s in ner_sets.read(data / "fa" / "peyma_dev.txt")),
            chars,
            n,
        ),
        "kk": articles(
            (
                ner_sets.markup(s).text
                for s in kaznerd.split(ner_sets.read(data / "kk" / "kaznerd_valid.txt"))[1]
            ),
            chars,
            n,
        ),
        "ru": articles((m.text for m in factru.load(data / "factru" / "dev")), chars, n),
    }
    entities = Pipeline.load(stages=("clean", "language", "entities"))
    print(f"{n} articles of at least {chars} characters each, one at a time, one thread")
    print("| language | characters/article | tagger alone | clean+language+entities | all |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for lang, texts in sets.items():
        alone = natasha if lang == "ru" else regional_ner.tagger(lang).spans
        stage = per_second(lambda t, lang=lang: entities(Doc(id="b", text=t, lang=lang)), texts)
        whole = per_second(lambda t, lang=lang: analyze(t, lang=lang), texts)
        size = sum(map(len, texts)) / len(texts)
        print(
            f"| {lang} | {size:,.0f} | {per_second(alone, texts):.1f}/s | {stage:.1f}/s "
            f"| {whole:.1f}/s |"
        )


if __name__ == "__main__":
    main()
