"""The exporters, by name: each writes a selection to a path (a file, or a folder for the
MISP feed). The CLI, the API and the pages look a format up here; a new format is one entry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from outpost.export import csv, geojson, misp, misp_feed, stix
from outpost.export.bundle import Selection


class Exporter(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def media_type(self) -> str: ...  # of the file written ("inode/directory" for a folder)
    @property
    def suffix(self) -> str: ...  # of the file written ("" for a folder)

    def write(self, selection: Selection, out: Path) -> None: ...


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    writer: Callable[[Selection, Path], None]

    def write(self, selection: Selection, out: Path) -> None:
        self.writer(selection, out)


class UnknownFormatError(ValueError):
    """A format name that is not registered; the message lists those that are."""


def _registry(*formats: Format) -> Mapping[str, Exporter]:
    return MappingProxyType({f.name: f for f in formats})


EXPORTERS: Mapping[str, Exporter] = _registry(
    Format("stix", "application/stix+json;version=2.1", ".json", stix.write),
    Format("misp", "application/json", ".json", misp.write),
    Format("misp-feed", "inode/directory", "", misp_feed.write),
    Format("csv", "text/csv", ".csv", csv.write),
    Format("geojson", "application/geo+json", ".geojson", geojson.write),
)


def exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        known = ", ".join(EXPORTERS)
        raise UnknownFormatError(f"unknown export format {name!r} (one of {known})") from None
