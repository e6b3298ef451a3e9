"""A selection's located events as a GeoJSON FeatureCollection (RFC 7946): a Point per event
with coordinates in longitude, latitude order (WGS 84), the CSV's columns as properties.
Events without coordinates are left out: RFC 7946 has no place for them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from outpost.export.bundle import Selection, effective
from outpost.export.rows import event_row


def collection(selection: Selection) -> dict[str, Any]:
    sel = effective(selection)
    actors = {m.item.id: m.item for m in sel.actors}
    features = [
        {
            "type": "Feature",
            "id": m.item.row.id,
            "geometry": {"type": "Point", "coordinates": [m.item.lon, m.item.lat]},
            "properties": event_row(m, actors),
        }
        for m in sel.events
        if m.item.lat is not None and m.item.lon is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def write(selection: Selection, out: Path) -> None:
    out.write_text(json.dumps(collection(selection), ensure_ascii=False), encoding="utf-8")
