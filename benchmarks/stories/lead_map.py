"""Fit the map that carries multilingual-e5-small's lead vectors into USE's space.

    PYTHONPATH=src python benchmarks/stories/lead_map.py [--out src/outpost/analyze/lead_map.npy]

Stories compare leads by USE v3's vectors, which read 16 languages; e5 reads the region's
others (`outpost.analyze.leads.MAPPED_LANGS`). A ridge regression from e5's 384 dimensions to
USE's 512, fitted on texts both read, lets an article in those languages meet stories in
USE's space. Its texts: the leads of the VOA stories (English, public domain) and of the
factRuEval dev texts (Russian, MIT), and windows of one to three sentences of both, from the
workspace's shared/data beside this repository; none of the sets the stories are scored on.

The ridge weight is chosen with every fifth document left out: how often a left-out text's
mapped vector has the text's own USE vector as its nearest of all the left-out ones (the mean
cosine to it is printed beside); the map is then fitted on all and written in half precision.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.progress import track
from rich.table import Table

from outpost.analyze.leads import LEAD_CHARS, MAP_FILE, MappedVectors, Vectors

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
SENTENCE = re.compile(r"(?<=[.!?»\"])\s+(?=[A-ZА-ЯЁ«\"])")
LAMBDAS = (0.03, 0.1, 0.3, 1.0)
Matrix = npt.NDArray[np.float32]


def documents() -> list[str]:
    voa = (DATA / "voa" / "voa_stories.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [f"{o['title']}. {o['text']}" for o in map(json.loads, voa)]
    factru = sorted((DATA / "factru" / "dev").glob("book_*.txt"))
    return texts + [p.read_text(encoding="utf-8") for p in factru]


def pieces(document: str) -> list[str]:
    """The document's lead, and its runs of one to three sentences (stepping by two)."""
    sentences = [s.strip() for s in SENTENCE.split(" ".join(document.split())) if s.strip()]
    runs = {
        " ".join(sentences[i : i + n])[:LEAD_CHARS]
        for n in (1, 2, 3)
        for i in range(0, len(sentences), 2)
    }
    found = [document[:LEAD_CHARS], *sorted(runs)]
    return [text for text in found if len(text) >= 60]


def ridge(x: Matrix, y: Matrix, weight: float) -> Matrix:
    gram = x.T @ x + weight * np.eye(x.shape[1], dtype=np.float64)
    return np.linalg.solve(gram, x.T @ y).astype(np.float32)


def scored(mapping: Matrix, x: Matrix, y: Matrix) -> tuple[float, float]:
    mapped = x @ mapping
    mapped /= np.linalg.norm(mapped, axis=1, keepdims=True)
    cosines = mapped @ y.T
    own = float(np.mean(np.diag(cosines)))
    nearest = float(np.mean(cosines.argmax(axis=1) == np.arange(len(y))))
    return own, nearest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "src/outpost/analyze" / MAP_FILE)
    parser.add_argument(
        "--vectors", type=Path, help="keep both encoders' vectors in this .npz, or read them"
    )
    args = parser.parse_args()
    docs = documents()
    texts, held = [], []
    for n, document in enumerate(docs):
        for text in pieces(document):
            texts.append(text)
            held.append(n % 5 == 0)
    started = time.perf_counter()
    if args.vectors and args.vectors.exists():
        kept = np.load(args.vectors)
        x, y = kept["x"], kept["y"]
    else:
        use, e5 = Vectors(), MappedVectors()
        y = np.stack([use([t])[0] for t in track(texts, description="USE")]).astype(np.float64)
        x = np.stack([e5.e5(t) for t in track(texts, description="e5")]).astype(np.float64)
        if args.vectors:
            np.savez(args.vectors, x=x, y=y)
    seconds = time.perf_counter() - started
    out = np.asarray(held)
    table = Table(title=f"{len(texts)} texts of {len(docs)} documents; left out: every fifth")
    for column in ("ridge weight", "mean cosine to own USE vector", "own vector nearest"):
        table.add_column(column, justify="right")
    # Chosen by how often the own vector is the nearest: clustering must tell one report's
    # vector from another's, and a heavier weight raises every cosine alike.
    best = (-1.0, -1.0, LAMBDAS[0])
    for weight in LAMBDAS:
        own, nearest = scored(ridge(x[~out], y[~out], weight), x[out], y[out])
        table.add_row(f"{weight:g}", f"{own:.3f}", f"{nearest:.3f}")
        best = max(best, (nearest, own, weight))
    console = Console()
    console.print(table)
    mapping = ridge(x, y, best[2]).astype(np.float16)
    np.save(args.out, mapping)
    console.print(
        f"weight {best[2]:g}; wrote {args.out.name} {mapping.shape} "
        f"({args.out.stat().st_size // 1024} KB); both encoders took {seconds:.0f} s"
    )


if __name__ == "__main__":
    main()
