"""Imports: upload what a partner sent (a STIX bundle, a MISP event, a MISP feed zip) and see
the imported objects one may see, a page at a time (newest first, of one kind or source),
each with its marking and provenance (the partner and file, its STIX id or MISP uuid, when
and by whom it was imported); and one imported object's page, its content shown readably
for an Outpost record and as JSON for anything else. A hidden object is a missing one (404).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from outpost.respond.people import NotAllowedError
from outpost.respond.people import NotFoundError as HiddenError
from outpost.services.imported import KINDS, MAX_FILTER, get_received, page_received, readable
from outpost.services.imports import ImportRefusedError, ImportReport, import_bytes
from outpost.services.paging import BadQueryError, Window
from outpost.web.i18n import N_
from outpost.web.page import NotFoundError, Page, SignedIn
from outpost.web.pages.sources import REFUSED, TOO_LARGE
from outpost.web.security import UploadTooLargeError

router = APIRouter()
UPLOAD_PATH = "/imports/upload"
SHOWN = 50  # imported objects on a page


@router.get("/imports")
def read_imports(page: SignedIn, kind: str = "", source: str = "", cursor: str = "") -> Response:
    asked = {"kind": kind[:MAX_FILTER].strip(), "source": source[:MAX_FILTER].strip()}
    return _imports_page(page, asked=asked, cursor=cursor[:600])


def _imports_page(
    page: Page, problem: str | None = None, status: int = 400,
    values: dict[str, str] | None = None, report: ImportReport | None = None,
    asked: dict[str, str] | None = None, cursor: str = "",
) -> Response:  # fmt: skip
    """The form, what an upload did (or why it was refused), and a page of what was imported
    (a cursor the list cannot read is named where the list would be, answered 400)."""
    asked = asked or {"kind": "", "source": ""}
    window = Window(cursor=cursor or None, limit=SHOWN)
    try:
        found = page_received(page.ctx, window, asked["kind"], asked["source"])
        unlisted = None
    except BadQueryError as exc:
        found, unlisted = None, str(exc)
    return page.render(
        "imports.html",
        status=status if problem else 400 if unlisted else 200,
        current="sources",
        found=found,
        unlisted=unlisted,
        asked=asked,
        query=urlencode({k: v for k, v in asked.items() if v}),
        cursor=cursor,
        kinds=KINDS,
        report=report,
        problem=problem,
        values=values or {},
        cap=page.ctx.settings.upload_max_bytes,
    )


@router.get("/imports/{imported_id}")
def read_imported(page: SignedIn, imported_id: int) -> Response:
    if not 0 < imported_id < 2**31:  # no row has it
        raise NotFoundError
    try:
        found = get_received(page.ctx, imported_id)
    except HiddenError:
        raise NotFoundError from None
    return page.render(
        "imported.html",
        current="sources",
        r=found,
        shown=readable(found),
        text=json.dumps(found.record, indent=2, sort_keys=True, ensure_ascii=False),
    )


@router.post(UPLOAD_PATH)
async def upload_import(page: SignedIn) -> Response:
    """Import the uploaded file and show what it did. The guard has checked the CSRF token
    (the form's first field) and stops a body past the cap."""
    cap = page.ctx.settings.upload_max_bytes
    try:
        form = await page.request.form(max_files=1, max_fields=4)
    except UploadTooLargeError:
        return await _later(page, TOO_LARGE, status=413, cap=f"{cap:,}")
    except HTTPException as exc:
        return await _later(page, REFUSED, reason=str(exc.detail))
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return await _later(page, N_("Choose a file."))
        data = await file.read()
        report = await run_in_threadpool(import_bytes, page.ctx, file.filename, data)
    except NotAllowedError:
        raise  # the 403 page
    except ImportRefusedError as exc:
        return await _later(page, REFUSED, reason=str(exc))
    finally:
        await form.close()
    return await run_in_threadpool(lambda: _imports_page(page, report=report))


async def _later(page: Page, problem: str, status: int = 400, **values: str) -> Response:
    return await run_in_threadpool(lambda: _imports_page(page, problem, status, values))
