"""Imports: what partners send (a STIX 2.1 bundle, a MISP event, a MISP feed folder or its
zip) kept as imported objects owned by the importer's organisation, each with the marking the
partner gave it and its provenance; one audit entry per import.

An object that cannot be read is reported (its id and the problem) and the others land.
Idempotent: an object already kept is updated only when it comes newer (a later `modified`)
and differs, so re-importing the same file changes nothing.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from outpost.export import misp_in, stix_in
from outpost.records import AuditValue
from outpost.respond.people import Action, require
from outpost.services import marking as rule
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.store import imported as store
from outpost.store.times import now

MAX_BYTES = 64 * 1024 * 1024  # one file, or one feed folder in all
Reader = Callable[[bytes], stix_in.Parcel]


class ImportRefusedError(ValueError):
    """A file that is none of the formats an import reads; the message names the problem."""


@dataclass(frozen=True)
class ImportReport:
    """What one import did: how many objects were added, updated or already there, which
    were refused and why, and which were no Outpost record."""

    source: str
    format: str
    added: int
    updated: int
    unchanged: int
    refused: tuple[tuple[str, str], ...]
    skipped: tuple[str, ...]


def import_path(ctx: Context, path: Path) -> ImportReport:
    """Import a file (STIX bundle, MISP event JSON, a MISP feed zip) or a MISP feed folder."""
    if path.is_dir():
        return import_parcel(ctx, path.name, "misp-feed", misp_in.read_feed_folder(path))
    if path.stat().st_size > MAX_BYTES:
        raise ImportRefusedError(f"{path.name}: larger than {MAX_BYTES:,} bytes")
    return import_bytes(ctx, path.name, path.read_bytes())


def import_bytes(ctx: Context, name: str, data: bytes) -> ImportReport:
    """Import one uploaded file, its format told by its content."""
    require(ctx.who, Action.IMPORT)
    kind = sniff(data)
    try:
        parcel = READERS[kind](data)
    except (stix_in.StixInputError, misp_in.MispInputError) as exc:
        raise ImportRefusedError(f"{name}: {exc}") from None
    return import_parcel(ctx, name, kind, parcel)


def sniff(data: bytes) -> str:
    """'stix', 'misp' or 'misp-feed' (a zip), by what the bytes are."""
    if data[:4] == b"PK\x03\x04":
        return "misp-feed"
    head = data[:4096].lstrip()
    if not head.startswith(b"{"):
        raise ImportRefusedError(
            "neither JSON (a STIX bundle, a MISP event) nor a zip (a MISP feed)"
        )
    return "stix" if b'"bundle"' in head and b'"objects"' in data else "misp"


def _feed_zip(data: bytes) -> stix_in.Parcel:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise misp_in.MispInputError(f"not a zip: {exc}") from None
    return misp_in.read_feed_zip(archive, MAX_BYTES)


READERS: Mapping[str, Reader] = {
    "stix": stix_in.read_parcel,
    "misp": misp_in.read_event_file,
    "misp-feed": _feed_zip,
}


def import_parcel(ctx: Context, name: str, kind: str, parcel: stix_in.Parcel) -> ImportReport:
    """Keep every object of the parcel for the principal's organisation, and audit it."""
    require(ctx.who, Action.IMPORT)
    origin = parcel.producer.id if parcel.producer else "unknown"
    source = f"{parcel.producer.name} ({name})" if parcel.producer else name
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    with ctx.engine.begin() as conn:
        owner, maker = rule.owner_of(conn, ctx.who)
        came = store.Provenance(source, origin, owner, maker, now())
        for item in parcel.items:
            counts[store.keep(conn, item, came)] += 1
        report = ImportReport(
            source, kind, **counts, refused=parcel.refused, skipped=parcel.skipped
        )
        record(conn, ctx.who, "import", f"file:{name}", _detail(report, origin))
    return report


def _detail(report: ImportReport, origin: str) -> dict[str, AuditValue]:
    return {
        "format": report.format,
        "origin": origin,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "refused": len(report.refused),
        "skipped": len(report.skipped),
    }
