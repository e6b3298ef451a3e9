"""Same story or not, on pairs of real news articles (SemEval-2022 task 8, dev half).

Annotators judged pairs of articles, in one language or two, from "very similar" to "very
dissimilar". A pair they judged the same story (`same` true) should land in one story, a
pair they judged different (`same` false) in two; the pairs in between are not scored. As
the held-out half is scored (the README beside the data): for each language pair as many
"same" as "different" pairs, drawn with a fixed seed; each pair is clustered alone, both
articles on one day (text1 at 12:00 UTC, text2 at 13:00), so it is an isolated decision.

Figures: precision, recall and F1 of "same", over all scored pairs, the cross-lingual ones
(`lang1` != `lang2`) and the monolingual ones.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from outpost.records import Doc

SEED = 8  # the draw of the balanced pairs; fixed, so every run scores the same pairs
FIRST_DAY = datetime(2015, 1, 5, tzinfo=UTC)
SOURCE = "SemEval-2022 Task 8"


@dataclass(frozen=True)
class Pair:
    id: str
    langs: tuple[str, str]
    texts: tuple[str, str]
    same: bool

    @property
    def cross(self) -> bool:
        return self.langs[0] != self.langs[1]


def read_pairs(path: Path) -> list[Pair]:
    """The judged pairs of a file (`same` true or false); a bad line names itself."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if item["same"] is None:
                continue
            pairs.append(
                Pair(
                    item["pair_id"],
                    (item["lang1"], item["lang2"]),
                    (item["text1"], item["text2"]),
                    bool(item["same"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name}:{number}: {exc!r}") from None
    return pairs


def balanced(pairs: Sequence[Pair], seed: int = SEED) -> list[Pair]:
    """Per language pair, as many "same" as "different" pairs (the smaller count of the two)."""
    groups: dict[tuple[tuple[str, str], bool], list[Pair]] = defaultdict(list)
    for pair in sorted(pairs, key=lambda p: p.id):
        groups[(pair.langs, pair.same)].append(pair)
    draw = random.Random(seed)
    chosen = []
    for langs in sorted({langs for langs, _ in groups}):
        same, different = groups[(langs, True)], groups[(langs, False)]
        n = min(len(same), len(different))
        chosen += draw.sample(same, n) + draw.sample(different, n)
    return chosen


def docs_of(pairs: Sequence[Pair]) -> list[Doc]:
    """Two articles a pair, each pair on its own day, 14 days after the previous one's."""
    docs = []
    for i, pair in enumerate(pairs):
        day = FIRST_DAY + timedelta(days=14 * i)
        for n, (text, lang) in enumerate(zip(pair.texts, pair.langs, strict=True), start=1):
            when = day + timedelta(hours=11 + n)
            docs.append(Doc(f"{pair.id}/{n}", text, when, None, lang))
    return docs


def scores(decided: Sequence[tuple[Pair, bool]]) -> dict[str, float]:
    """Precision, recall and F1 of "same" over pairs and what was decided for each."""
    out: dict[str, float] = {}
    for part, keep in (("", None), (" cross", True), (" mono", False)):
        chosen = [(p, said) for p, said in decided if keep is None or p.cross == keep]
        hits = sum(p.same and said for p, said in chosen)
        said_same = sum(said for _, said in chosen)
        truly = sum(p.same for p, _ in chosen)
        precision = hits / said_same if said_same else 0.0
        recall = hits / truly if truly else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out |= {f"precision{part}": precision, f"recall{part}": recall, f"f1{part}": f1}
        out[f"pairs{part}"] = float(len(chosen))
    return out


def evaluate(path: Path, limit: int | None = None) -> dict[str, float]:
    from outpost.analyze.pipeline import default_pipeline
    from outpost.warn.sketches import sketches
    from outpost.warn.stories import cluster

    pairs = balanced(read_pairs(path))[:limit] if limit else balanced(read_pairs(path))
    docs = docs_of(pairs)
    analysed = list(default_pipeline().pipe(docs))
    found = sketches(analysed, [SOURCE] * len(docs), [d.published for d in docs])
    decided = []
    for i, pair in enumerate(pairs):
        stories = cluster(found[2 * i : 2 * i + 2])
        decided.append((pair, stories[f"{pair.id}/1"] == stories[f"{pair.id}/2"]))
    return scores(decided)
