"""Events on the hand-labelled set in `benchmarks/events/` (see its README).

Every event the set's articles report is labelled, so both kinds of error count: a found
event matches a labelled one when their sentences overlap by more than half of the shorter
(sentence splitters differ at the edges), one to one, greedily by overlap.

- detection: precision, recall and F1 of matched events; `typed_f1` counts a match only when
  the type is right too;
- over matched events: the share typed right; actor and target F1 (an item is right when its
  KB id is the labelled one, or, unlinked, its name is the labelled name); the share whose
  place is in the labelled country; the share whose date is the labelled day.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from outpost.evaluate.stories import labelled_docs
from outpost.records import Doc, Event


@dataclass(frozen=True)
class Party:
    name: str
    kb_id: str | None


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    type: str
    actors: tuple[Party, ...]
    targets: tuple[Party, ...]
    country: str | None
    date: str | None


@dataclass
class Counts:
    """Running totals; `scores` turns them into the metrics."""

    found: int = 0
    labelled: int = 0
    matched: int = 0
    typed: int = 0
    party_right: int = 0
    party_found: int = 0
    party_labelled: int = 0
    place_right: int = 0
    place_labelled: int = 0
    date_right: int = 0
    date_labelled: int = 0


def read_set(path: Path) -> tuple[list[Doc], list[list[Gold]]]:
    docs, gold = [], []
    for doc, item in labelled_docs(path, "events"):
        docs.append(doc)
        try:
            gold.append([_gold(e) for e in item["events"]])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name}: {doc.id}: {exc!r}") from None
    return docs, gold


def _gold(item: dict[str, object]) -> Gold:
    place = item.get("place")
    return Gold(
        start=int(str(item["start"])),
        end=int(str(item["end"])),
        type=str(item["type"]),
        actors=_parties(item.get("actors")),
        targets=_parties(item.get("targets")),
        country=place.get("country") if isinstance(place, dict) else None,
        date=item.get("date") if isinstance(item.get("date"), str) else None,  # type: ignore[arg-type]
    )


def _parties(value: object) -> tuple[Party, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(Party(str(p["name"]), p.get("kb_id")) for p in value)


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return shared / shorter if shorter > 0 and shared > 0 else 0.0


def match(found: Sequence[Event], gold: Sequence[Gold]) -> list[tuple[Event, Gold]]:
    """One to one, the largest overlaps first; pairs overlapping by half or less never match."""
    pairs = sorted(
        (
            (overlap((e.start, e.end), (g.start, g.end)), i, j)
            for i, e in enumerate(found)
            for j, g in enumerate(gold)
        ),
        reverse=True,
    )
    used_found: set[int] = set()
    used_gold: set[int] = set()
    matched = []
    for share, i, j in pairs:
        if share <= 0.5:
            break
        if i in used_found or j in used_gold:
            continue
        used_found.add(i)
        used_gold.add(j)
        matched.append((found[i], gold[j]))
    return matched


def _key(name: str) -> str:
    return " ".join(re.findall(r"\w+", name.lower()))


def same_party(found: str, gold: Party) -> bool:
    if ":" in found and found.split(":", 1)[0] in {"person", "org", "group", "country"}:
        return found == gold.kb_id
    return gold.kb_id is None and _key(found) == _key(gold.name) != ""


def _party_hits(found: Iterable[str], gold: Sequence[Party]) -> int:
    left = list(gold)
    hits = 0
    for item in found:
        hit = next((g for g in left if same_party(item, g)), None)
        if hit is not None:
            left.remove(hit)
            hits += 1
    return hits


def tally(counts: Counts, found: Sequence[Event], gold: Sequence[Gold]) -> None:
    counts.found += len(found)
    counts.labelled += len(gold)
    for event, truth in match(found, gold):
        counts.matched += 1
        counts.typed += event.type == truth.type
        for mine, theirs in ((event.actors, truth.actors), (event.targets, truth.targets)):
            counts.party_found += len(mine)
            counts.party_labelled += len(theirs)
            counts.party_right += _party_hits(mine, theirs)
        if truth.country:
            counts.place_labelled += 1
            counts.place_right += bool(event.place and event.place.country == truth.country)
        if truth.date:
            counts.date_labelled += 1
            counts.date_right += event.date == truth.date


def _f1(right: float, found: float, labelled: float) -> tuple[float, float, float]:
    precision = right / found if found else 0.0
    recall = right / labelled if labelled else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def scores(c: Counts) -> dict[str, float]:
    precision, recall, f1 = _f1(c.matched, c.found, c.labelled)
    _, _, typed_f1 = _f1(c.typed, c.found, c.labelled)
    _, _, party_f1 = _f1(c.party_right, c.party_found, c.party_labelled)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "typed_f1": typed_f1,
        "type_accuracy": c.typed / c.matched if c.matched else 0.0,
        "party_f1": party_f1,
        "place_accuracy": c.place_right / c.place_labelled if c.place_labelled else 0.0,
        "date_accuracy": c.date_right / c.date_labelled if c.date_labelled else 0.0,
        "labelled": float(c.labelled),
        "found": float(c.found),
    }


def evaluate(path: Path, limit: int | None = None) -> dict[str, float]:
    from outpost.analyze.pipeline import default_pipeline

    docs, gold = read_set(path)
    docs, gold = (docs[:limit], gold[:limit]) if limit else (docs, gold)
    started = time.perf_counter()
    analysed = list(default_pipeline().pipe(docs))
    counts = Counts()
    for doc, truth in zip(analysed, gold, strict=True):
        tally(counts, doc.events, truth)
    return {**scores(counts), "seconds": time.perf_counter() - started}
