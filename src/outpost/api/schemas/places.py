"""Places as the API shows them: where the articles report from, counted, and events counted
in the cells of a map."""

from __future__ import annotations

from pydantic import BaseModel, Field

from outpost.records import MapCell, PlaceSummary


class PlacePublic(BaseModel):
    """A place the matching articles mention, with how many mention it."""

    key: str = Field(description="geonames:ID, or name:NAME for a place without a GeoNames id.")
    name: str
    lat: float
    lon: float
    country: str | None = Field(description="ISO 3166-1 alpha-2")
    admin1: str | None = Field(description="First-level division: AF-BAL, PK.02.")
    kind: str = Field(description="country, admin1, admin2, city or region")
    articles: int = Field(description="Articles that mention it.")
    mentions: int


class MapCellPublic(BaseModel):
    """Events in one cell of a latitude/longitude grid."""

    lat: float = Field(description="The cell's centre.")
    lon: float
    size: float = Field(description="Its side, in degrees.")
    count: int
    domains: dict[str, int] = Field(
        description="Its events per threat domain (an event may count in several)."
    )


class MapPublic(BaseModel):
    """Every event that matches (those without a place left out), counted per cell of a
    grid over the box (the world without one)."""

    cells: list[MapCellPublic]
    total: int = Field(ge=0, description="The events counted in the cells.")


def place_public(p: PlaceSummary) -> PlacePublic:
    return PlacePublic(
        key=p.key,
        name=p.name,
        lat=p.lat,
        lon=p.lon,
        country=p.country,
        admin1=p.admin1,
        kind=p.kind,
        articles=p.articles,
        mentions=p.mentions,
    )


def map_public(cells: list[MapCell]) -> MapPublic:
    return MapPublic(
        cells=[
            MapCellPublic(lat=c.lat, lon=c.lon, size=c.size, count=c.count, domains=c.domains)
            for c in cells
        ],
        total=sum(c.count for c in cells),
    )
