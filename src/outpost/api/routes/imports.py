"""/import: a partner's STIX 2.1 bundle, MISP event or MISP feed zip, uploaded and kept for
the organisation of the token's person (analysts, coordinators and administrators of an
organisation; a viewer, or a principal of no organisation, is forbidden)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from outpost.api.deps import ContextDep
from outpost.api.problems import ProblemError, documented
from outpost.api.schemas.imports import ImportPublic, import_public
from outpost.services.imports import ImportRefusedError, import_bytes

PATH = "/import"
router = APIRouter(tags=["imports"], responses=documented("unauthorized"))


@router.post(
    PATH,
    response_model=ImportPublic,
    responses=documented("too-large", "bad-request", "forbidden"),
)
def create_import(
    ctx: ContextDep,
    file: Annotated[
        UploadFile, File(description="A STIX bundle .json, a MISP event .json or a feed .zip.")
    ],
) -> ImportPublic:
    """Import the file: each object keeps its TLP marking, is owned by the importer's
    organisation and records its provenance. Objects that cannot be read are listed under
    `refused` and the others land; the same file again changes nothing. A file that is none
    of these formats is a validation problem naming why; one over the settings'
    upload_max_bytes is 413. Recorded in the audit log."""
    cap = ctx.settings.upload_max_bytes
    data = file.file.read(cap + 1)
    if len(data) > cap:
        raise ProblemError("too-large", f"file {file.filename!r} is larger than {cap:,} bytes")
    try:
        report = import_bytes(ctx, file.filename or "upload", data)
    except ImportRefusedError as exc:
        raise ProblemError("validation", str(exc)) from None
    return import_public(report)
