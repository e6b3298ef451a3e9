"""/import: a partner's STIX 2.1 bundle, MISP event or MISP feed zip, uploaded and kept for
the organisation of the token's person (analysts, coordinators and administrators of an
organisation; a viewer, or a principal of no organisation, is forbidden). /imports: the
imported objects the token's person may see, a page at a time, and one of them (one it may
not see answers exactly as one that does not exist)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit
from outpost.api.problems import ProblemError, documented
from outpost.api.schemas.common import MAX_ID, Page
from outpost.api.schemas.imports import (
    ImportedPublic,
    ImportPublic,
    import_public,
    imported_public,
)
from outpost.services import imported
from outpost.services.imports import ImportRefusedError, import_bytes
from outpost.services.paging import Window

PATH = "/import"
ImportedId = Annotated[int, Path(ge=1, le=MAX_ID)]
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


@router.get(
    "/imports",
    response_model=Page[ImportedPublic],
    responses=documented("bad-query"),
)
def read_imported_objects(
    ctx: ContextDep,
    kind: Annotated[
        str | None, Query(max_length=imported.MAX_FILTER, description="Only of this kind.")
    ] = None,
    source: Annotated[
        str | None,
        Query(max_length=imported.MAX_FILTER, description="Only from a source naming this."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ImportedPublic]:
    """The imported objects the token's person may see, newest first, a page at a time; of
    one kind, and from a source whose name holds `source` (any case), when given."""
    page = imported.page_received(ctx, Window(None, cursor, limit), kind, source)
    return Page[ImportedPublic](
        items=[imported_public(r) for r in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get(
    "/imports/{imported_id}",
    response_model=ImportedPublic,
    responses=documented("not-found"),
)
def read_imported_object(ctx: ContextDep, imported_id: ImportedId) -> ImportedPublic:
    """One imported object with its provenance and content."""
    return imported_public(imported.get_received(ctx, imported_id))
