"""An import's report, and an imported object, as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, JsonValue

from outpost.records import Received
from outpost.services.imports import ImportReport


class Refusal(BaseModel):
    id: str = Field(description="The STIX id or MISP uuid of the object refused ('?': none).")
    problem: str


class ImportPublic(BaseModel):
    source: str = Field(description="The partner (the producer the file names) and the file.")
    format: str = Field(description="stix, misp or misp-feed, as read from the content.")
    added: int
    updated: int = Field(description="Objects kept before that came newer and different.")
    unchanged: int = Field(description="Objects kept before (a re-import changes nothing).")
    refused: list[Refusal] = Field(description="Objects that could not be read; none landed.")
    skipped: list[str] = Field(
        description="Ids of objects not kept because Outpost makes them again from the records "
        "it keeps: an Outpost export's relationships and assessments' opinions."
    )


def import_public(report: ImportReport) -> ImportPublic:
    return ImportPublic(
        source=report.source,
        format=report.format,
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        refused=[Refusal(id=i, problem=p) for i, p in report.refused],
        skipped=list(report.skipped),
    )


class ImportedPublic(BaseModel):
    """An object a partner sent, as imported, with its provenance."""

    id: int
    kind: str = Field(
        description="event, entity, place, story, assessment (Outpost records), misp-event, "
        "misp-attribute, misp-object, ... (what the import read it as)."
    )
    key: str = Field(description="The object's STIX id or MISP uuid.")
    marking: str = Field(description="The TLP marking the partner gave it.")
    owner_org: str = Field(description="The importing organisation's code.")
    source: str = Field(description="The partner (the producer the file names) and the file.")
    origin: str = Field(description="The producer the file named ('unknown': none).")
    imported: datetime = Field(description="When it was first imported.")
    imported_by: str | None = Field(description="Who imported it (username).")
    modified: datetime = Field(description="The object's own last modification.")
    record: dict[str, JsonValue] = Field(description="The object's content, as kept (JSON).")


def imported_public(r: Received) -> ImportedPublic:
    return ImportedPublic(
        id=r.id,
        kind=r.kind,
        key=r.key,
        marking=r.marking.value,
        owner_org=r.owner_org,
        source=r.source,
        origin=r.origin,
        imported=r.imported,
        imported_by=r.imported_by,
        modified=r.modified,
        record=r.record,
    )
