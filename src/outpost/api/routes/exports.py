"""/export/{format}: the events the filters find, with the actors, places and stories they
name, as one file to download (a MISP feed folder comes as a zip)."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from outpost.api.deps import ContextDep
from outpost.api.filters import ListFilters
from outpost.api.problems import documented
from outpost.export.formats import exporter
from outpost.services.exports import FORMATS, MAX_EVENTS, write_export

router = APIRouter(prefix="/export", tags=["exports"], responses=documented("unauthorized"))
Format = Annotated[
    str,
    PathParam(
        pattern=f"^({'|'.join(re.escape(name) for name in FORMATS)})$",
        description="The format: " + ", ".join(FORMATS),
    ),
]
FOLDER = "misp-feed"  # written as a folder, answered as a zip of it


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
    folder = Path(tempfile.mkdtemp(prefix="outpost-export-"))
    try:
        name = format
        target = folder / "export"
        write_export(ctx, name, filters, target, limit)
        if name == FOLDER:
            target = Path(shutil.make_archive(str(folder / "feed"), "zip", target))
            media, filename = "application/zip", "outpost-misp-feed.zip"
        else:
            chosen = exporter(name)
            media, filename = chosen.media_type, f"outpost-export{chosen.suffix}"
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    return FileResponse(target, media_type=media, filename=filename, background=cleanup)
