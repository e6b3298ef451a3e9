"""English place resolution on LGL (local US news, gold toponyms with GeoNames coordinates).

Toponyms are found and resolved by Outpost's own pipeline (cleaning, English NER, KB names,
gazetteer scan, resolution), as the product does it. Scores: recall (gold resolved toponyms
a predicted place overlaps), precision
(predicted places that overlap a gold toponym), accuracy within 161 km (100 miles, the usual
threshold) among the matched gold toponyms, and their mean error in km.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from outpost.analyze.gazetteer import Gazetteer
from outpost.analyze.places import distance_km
from outpost.records import Place

THRESHOLD_KM = 161.0
# LGL is local news from the United States: a deployment reading such news would watch the
# contiguous US (pass it as `region`); `outpost eval` keeps the platform's own default,
# Central Asia, so the figure is the product's as shipped.
US_CENTRE = (39.8, -98.6)


@dataclass(frozen=True)
class Toponym:
    start: int
    end: int
    lat: float | None  # None: annotated but not resolved in the gold
    lon: float | None


@dataclass(frozen=True)
class Article:
    text: str
    toponyms: tuple[Toponym, ...]


def read(xml_path: Path, limit: int | None = None) -> Iterator[Article]:
    root = ElementTree.parse(xml_path).getroot()
    for n, node in enumerate(root.iter("article")):
        if limit is not None and n >= limit:
            return
        yield Article(node.findtext("text") or "", tuple(_toponyms(node)))


def _toponyms(node: Any) -> Iterator[Toponym]:
    for t in node.iter("toponym"):
        tag = t.find("gaztag")
        lat = float(tag.findtext("lat")) if tag is not None and tag.findtext("lat") else None
        lon = float(tag.findtext("lon")) if tag is not None and tag.findtext("lon") else None
        yield Toponym(int(t.findtext("start")), int(t.findtext("end")), lat, lon)


def predict(
    texts: list[str], gazetteer: Gazetteer, region: tuple[float, float] | None
) -> Iterator[list[Place]]:
    """Places of each text, by the pipeline; `region` overrides the watched region."""
    from outpost.analyze.pipeline import Pipeline, PlaceStage
    from outpost.records import Doc

    pipeline = Pipeline.load(stages=("clean", "language", "entities", "linking"))
    stage = PlaceStage(gazetteer, region)
    docs = (Doc(id=str(n), text=t, lang="en") for n, t in enumerate(texts))
    for doc in pipeline.pipe(docs):
        yield list(stage(doc).places)


def evaluate(
    xml_path: Path,
    limit: int | None = None,
    gazetteer: Gazetteer | None = None,
    region: tuple[float, float] | None = None,
) -> dict[str, float]:
    """Scores on the first `limit` articles (all by default)."""
    started = time.perf_counter()
    gazetteer = (gazetteer or Gazetteer(_default_cache())).load()
    articles = list(read(xml_path, limit))
    tally = _Tally()
    for article, places in zip(
        articles, predict([a.text for a in articles], gazetteer, region), strict=True
    ):
        tally.add(article, places)
    return tally.scores(len(articles), time.perf_counter() - started)


def _default_cache() -> Path:
    import os

    from outpost.config import default_cache_dir

    return default_cache_dir(os.environ)


class _Tally:
    def __init__(self) -> None:
        self.gold = self.matched = self.within = self.predicted = self.correct_spans = 0
        self.errors: list[float] = []

    def add(self, article: Article, places: list[Place]) -> None:
        self.predicted += len(places)
        self.correct_spans += sum(any(_overlap(p, t) for t in article.toponyms) for p in places)
        for t in article.toponyms:
            if t.lat is None or t.lon is None:
                continue
            self.gold += 1
            hit = next((p for p in places if _overlap(p, t)), None)
            if hit is None:
                continue
            self.matched += 1
            error = distance_km(hit.lat, hit.lon, t.lat, t.lon)
            self.errors.append(error)
            self.within += error <= THRESHOLD_KM

    def scores(self, articles: int, seconds: float) -> dict[str, float]:
        return {
            "articles": float(articles),
            "gold": float(self.gold),
            "predicted": float(self.predicted),
            "recall": _ratio(self.matched, self.gold),
            "precision": _ratio(self.correct_spans, self.predicted),
            "acc161": _ratio(self.within, self.matched),
            "acc161_of_gold": _ratio(self.within, self.gold),
            "mean_km": round(sum(self.errors) / len(self.errors), 1) if self.errors else 0.0,
            "seconds": round(seconds, 1),
        }


def _overlap(p: Place, t: Toponym) -> bool:
    return p.start < t.end and t.start < p.end


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
