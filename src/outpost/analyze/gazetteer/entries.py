"""What the gazetteer holds: places, and the candidates a name leads to."""

from __future__ import annotations

from dataclasses import dataclass

# How a key names an entry: the strength of the alias, used by resolution as a prior.
NAME, ALTNAME, DEMONYM, WEAK = 0, 1, 2, 3
ALIAS_WEIGHT = {NAME: 1.0, ALTNAME: 0.75, DEMONYM: 0.6, WEAK: 0.45}


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
    kind: str  # "country", "admin1", "admin2", "city", "region" or "feature"
    capital: bool = False
    approximate: bool = False  # coordinates stand in for the place (a county: its state's)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry a name may refer to, with how strongly the name names it."""

    entry: Entry
    alias: float  # ALIAS_WEIGHT of the strongest key that led here
