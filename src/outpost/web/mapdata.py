"""What the map reads: places with a count of events and the count per threat domain,
`[{lat, lon, count, domains: {domain: n}}]`.

Events are summed where they share a place; when there are more places than a laptop's
browser draws quickly, they are summed into grid cells instead, each at the mean position of
its events. What is summed comes counted from the database (services.places.placed_events:
events per place and set of domains), so a million events are a few thousand items here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from outpost.records import PlacedEvents

MAX_POINTS = 1500  # places drawn one by one; more are summed into cells
CELL_DEGREES = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 45.0, 90.0)  # until few enough cells


@dataclass(frozen=True)
class Located:
    lat: float
    lon: float
    domains: tuple[str, ...]
    count: int = 1  # events at this place with these domains


@dataclass
class _Cell:
    lat_sum: float = 0.0
    lon_sum: float = 0.0
    count: int = 0
    domains: Counter[str] = field(default_factory=Counter)

    def add(self, item: Located) -> None:
        self.lat_sum += item.lat * item.count
        self.lon_sum += item.lon * item.count
        self.count += item.count
        for domain in set(item.domains):
            self.domains[domain] += item.count

    def json(self) -> dict[str, Any]:
        return {
            "lat": round(self.lat_sum / self.count, 4),
            "lon": round(self.lon_sum / self.count, 4),
            "count": self.count,
            "domains": dict(self.domains.most_common()),
        }


def located_groups(groups: Iterable[PlacedEvents]) -> list[Located]:
    """The counted groups that have valid coordinates."""
    return [
        Located(float(g.lat), float(g.lon), g.domains, g.count)  # type: ignore[arg-type]
        for g in groups
        if _coordinate(g.lat, 90) and _coordinate(g.lon, 180) and g.count > 0
    ]


def _coordinate(value: object, bound: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and -bound <= value <= bound
    )


def cells(
    items: Sequence[Located], max_points: int = MAX_POINTS
) -> tuple[list[dict[str, Any]], float]:
    """The map's cells, busiest first, and the grid size used (0: events at their places)."""
    exact = _group(items, None)
    if len(exact) <= max_points:
        return _ranked(exact), 0.0
    for degrees in CELL_DEGREES:
        grouped = _group(items, degrees)
        if len(grouped) <= max_points or degrees == CELL_DEGREES[-1]:
            return _ranked(grouped), degrees
    raise AssertionError("unreachable")  # pragma: no cover


def _group(items: Sequence[Located], degrees: float | None) -> dict[tuple[float, float], _Cell]:
    grouped: dict[tuple[float, float], _Cell] = {}
    for item in items:
        if degrees is None:
            key = (round(item.lat, 4), round(item.lon, 4))
        else:
            key = (math.floor(item.lat / degrees), math.floor(item.lon / degrees))
        grouped.setdefault(key, _Cell()).add(item)
    return grouped


def _ranked(grouped: dict[tuple[float, float], _Cell]) -> list[dict[str, Any]]:
    ordered = sorted(grouped.items(), key=lambda kv: (-kv[1].count, kv[0]))
    return [cell.json() for _, cell in ordered]
