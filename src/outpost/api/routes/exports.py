"""/export/{format}: the events the filters find, with the actors, places and stories they
name, as one file to download (a MISP feed folder comes as a zip)."""

from __future__ import annotations

import re
import shutil
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from outpost.api.deps import ContextDep
from outpost.api.filters import ListFilters
from outpost.api.problems import documented
from outpost.services.exports import FORMATS, MAX_EVENTS, export_download

router = APIRouter(prefix="/export", tags=["exports"], responses=documented("unauthorized"))
Format = Annotated[
    str,
    PathParam(
        pattern=f"^({'|'.join(re.escape(name) for name in FORMATS)})$",
        description="The format: " + ", ".join(FORMATS),
    ),
]


@router.get(
    "/{format}",
    response_class=FileResponse,
    responses={
        200: {"description": "The export, as a file to save.", "content": {"*/*": {}}},
        **documented("bad-query"),
    },
)
def read_export(
    ctx: ContextDep,
    format: Format,
    filters: ListFilters,
    limit: Annotated[
        int, Query(ge=1, le=MAX_EVENTS, description="Most events one export holds.")
    ] = MAX_EVENTS,
) -> FileResponse:
    """The events matching every filter (all of them, at most `limit`: more is a bad-query
    problem with the count), their knowledge-base actors, places and stories: STIX 2.1 with
    TLP 2.0 markings, MISP event JSON, a MISP feed (zip), CSV or GeoJSON. Recorded in the
    audit log."""
    made = export_download(ctx, format, filters, limit)
    cleanup = BackgroundTask(shutil.rmtree, made.folder, ignore_errors=True)
    return FileResponse(
        made.path, media_type=made.media_type, filename=made.filename, background=cleanup
    )
