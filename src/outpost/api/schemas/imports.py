"""An import's report as the API shows it."""

from __future__ import annotations

from pydantic import BaseModel, Field

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
