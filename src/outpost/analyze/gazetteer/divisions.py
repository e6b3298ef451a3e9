"""First-level divisions: GeoNames' admin1 groups of towns matched to ISO 3166-2
subdivisions, their centres, and their names in the region's languages."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from outpost.analyze.gazetteer.keys import norm
from outpost.analyze.gazetteer.tables import tables

GENERIC_WORDS = (
    r"\b(oblysy|oblasty|oblast'?|viloyati|wiloyaty|welaýaty|province|region|"
    r"governorate|state|district|respublika|republic|kray|krai|avtonomnyy okrug|"
    r"autonomous|wilayah|ostan|vilayet|county|prefecture)\b"
)


def subdivision_names(sub: Any) -> list[str]:
    names = [re.sub(r"\s*\[.*\]$", "", sub.name)]
    if "," in sub.name:  # "Saha, Respublika" -> "Respublika Saha", and "Saha"
        head, _, tail = sub.name.partition(",")
        names += [f"{tail.strip()} {head.strip()}", head.strip()]
    return names + list(subdivision_translations(sub.name))


def admin1_key(iso: str, code: str) -> str | None:
    if not code or code == "00":
        return None
    mapped = tables().fips_to_iso.get(f"{iso}.{code}")
    if mapped:
        return mapped
    return f"{iso}-{code}" if code.isalpha() else f"{iso}.{code}"


def admin1_groups(cities: Iterable[Any]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for city in cities:
        key = admin1_key(city["countrycode"], city["admin1code"])
        if key:
            groups[key].append(city)
    return groups


def town_centres(cities: Iterable[Any]) -> dict[str, tuple[float, float]]:
    by_country: dict[str, list[Any]] = defaultdict(list)
    for city in cities:
        by_country[city["countrycode"]].append(city)
    return {iso: midrange(group) for iso, group in by_country.items()}


def midrange(cities: list[Any]) -> tuple[float, float]:
    """Middle of the 1st–99th percentile box of the towns: near the centre of the area, and
    unlike a mean not dragged towards where the towns crowd; the trim drops stray codes."""
    lats = sorted(float(c["latitude"]) for c in cities)
    lons = sorted(float(c["longitude"]) for c in cities)
    lo, hi = len(lats) // 100, len(lats) - 1 - len(lats) // 100
    return round((lats[lo] + lats[hi]) / 2, 4), round((lons[lo] + lons[hi]) / 2, 4)


def largest_by_name(cities: Iterable[Any]) -> dict[tuple[str, str], Any]:
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


def group_of(sub: Any, groups: dict[str, list[Any]], by_name: dict[Any, Any]) -> str | None:
    """The GeoNames admin1 group of an ISO subdivision: by code, else through the town that
    names it or is its capital ("Pavlodar oblysy", "Rostovskaya oblast'" -> Rostov-na-Donu)."""
    if sub.code in groups:
        return str(sub.code)
    base = sub.name.split("[")[0].split(",")[0]
    stripped = norm(re.sub(GENERIC_WORDS, "", base, flags=re.IGNORECASE))
    city = by_name.get((sub.country_code, norm(tables().region_capitals.get(sub.code, stripped))))
    if city is None and (stem := re.match(r"(\w{4,})sk(aya|iy|ij|aja)\b", stripped)):
        city = _largest_starting(by_name, sub.country_code, stem.group(1))
    if city is None:
        return None
    key = admin1_key(city["countrycode"], city["admin1code"])
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
