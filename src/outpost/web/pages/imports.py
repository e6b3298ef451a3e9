"""Imports: upload what a partner sent (a STIX bundle, a MISP event, a MISP feed zip) and see
the imported objects one may see, each with its marking and provenance (the partner and file,
its STIX id or MISP uuid, when and by whom it was imported)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from outpost.respond.people import NotAllowedError
from outpost.services.imports import ImportRefusedError, ImportReport, import_bytes, list_received
from outpost.web.i18n import N_
from outpost.web.page import Page, SignedIn
from outpost.web.pages.sources import REFUSED, TOO_LARGE
from outpost.web.security import UploadTooLargeError

router = APIRouter()
UPLOAD_PATH = "/imports/upload"


@router.get("/imports")
def read_imports(page: SignedIn) -> Response:
    return _imports_page(page)


def _imports_page(
    page: Page, problem: str | None = None, status: int = 400,
    values: dict[str, str] | None = None, report: ImportReport | None = None,
) -> Response:  # fmt: skip
    return page.render(
        "imports.html",
        status=status if problem else 200,
        current="sources",
        received=list_received(page.ctx),
        report=report,
        problem=problem,
        values=values or {},
        cap=page.ctx.settings.upload_max_bytes,
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
