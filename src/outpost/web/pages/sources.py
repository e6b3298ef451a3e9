"""Sources: what the store holds by source and language, the watched feeds (add one, stop
one added here), and ingesting now: a page's address or uploaded files become an ingest job
(outpost.services.jobs), whose page shows its progress until it ends."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from outpost.addresses import AddressError
from outpost.respond.people import NotAllowedError
from outpost.services.articles import ingest_errors, store_stats
from outpost.services.jobs import (
    MAX_SOURCES,
    JobRunner,
    TooLargeError,
    Upload,
    create_ingest_job,
    get_job,
)
from outpost.services.sources import FeedConflictError, add_feed, list_feeds, remove_feed
from outpost.web.i18n import N_
from outpost.web.page import NotFoundError, Page, SignedIn
from outpost.web.security import UploadTooLargeError

router = APIRouter()

LISTED = 100
UPLOAD_PATH = "/sources/upload"
MULTIPART_ROOM = 1024 * 1024  # an upload's bytes besides its files: the parts' headers
MAX_URL = 2000  # characters
REFUSED = N_("This cannot be done: %(reason)s")
TOO_LARGE = N_("The upload is too large: at most %(cap)s bytes per file and per upload.")


def upload_cap(max_bytes: int) -> int:
    """The bytes an upload request may have: the settings' upload_max_bytes, and room."""
    return max_bytes + MULTIPART_ROOM


def runner_of(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


@router.get("/sources")
def read_sources(page: SignedIn) -> Response:
    return _sources_page(page)


def _sources_page(
    page: Page, problem: str | None = None, status: int = 400, **values: str
) -> Response:
    """The page; with the problem (a msgid and its values) of the form that was refused."""
    stats = store_stats(page.ctx)
    return page.render(
        "sources.html",
        status=status if problem else 200,
        current="sources",
        stats=stats,
        sources=list(stats["by_source"].items())[:LISTED],
        languages=list(stats["by_lang"].items()),
        failures=ingest_errors(page.ctx, limit=LISTED),
        feeds=list_feeds(page.ctx),
        problem=problem,
        values=values,
        cap=page.ctx.settings.upload_max_bytes,
        max_files=MAX_SOURCES,
    )


@router.post("/sources/feeds")
def create_feed(
    page: SignedIn,
    url: Annotated[str, Form(max_length=MAX_URL)] = "",
    minutes: Annotated[str, Form(max_length=10)] = "5",
) -> Response:
    """Watch a feed from now on, every `minutes` minutes."""
    url = url.strip()
    problem, status, reason = None, 400, ""
    if not url:
        problem = N_("Give the feed's address.")
    elif not minutes.strip().isdigit():
        problem = N_("The interval is a whole number of minutes.")
    else:
        try:
            add_feed(page.ctx, url, float(int(minutes.strip()) * 60))
        except FeedConflictError:
            problem, status = N_("This feed is watched already."), 409
        except NotAllowedError:
            raise  # the 403 page
        except ValueError as exc:  # AddressError among them: what is wrong with the address
            problem, reason = REFUSED, str(exc)
    if problem:
        return _sources_page(page, problem, status, form="feed", url=url, reason=reason)
    return page.redirect("/sources#feeds")


@router.post("/sources/feeds/{key}/remove")
def delete_feed(page: SignedIn, key: str) -> Response:
    try:
        removed = remove_feed(page.ctx, key[:64])
    except FeedConflictError:
        return _sources_page(page, N_("This feed is in the settings file: remove it there."))
    if not removed:
        raise NotFoundError
    return page.redirect("/sources#feeds")


@router.post("/sources/pages")
def ingest_page(page: SignedIn, url: Annotated[str, Form(max_length=MAX_URL)] = "") -> Response:
    """Fetch a page (and analyse it) as a job."""
    if not url.strip():
        return _sources_page(page, N_("Give the page's address."), form="page")
    try:
        job = create_ingest_job(page.ctx, runner_of(page.request), urls=[url])
    except NotAllowedError:
        raise  # the 403 page
    except (AddressError, ValueError) as exc:
        return _sources_page(page, REFUSED, reason=str(exc), form="page", url=url.strip())
    return page.redirect(f"/jobs/{job.id}")


@router.post(UPLOAD_PATH)
async def upload_files(page: SignedIn) -> Response:
    """Ingest the uploaded files as a job. The guard has checked the CSRF token (the form's
    first field) and stops a body past the cap; one announced larger is not read."""
    settings = page.ctx.settings
    cap = settings.upload_max_bytes
    declared = page.request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > upload_cap(cap):
        return await _later(page, TOO_LARGE, status=413, cap=f"{cap:,}", form="upload")
    try:
        form = await page.request.form(max_files=MAX_SOURCES, max_fields=10)
    except UploadTooLargeError:
        return await _later(page, TOO_LARGE, status=413, cap=f"{cap:,}", form="upload")
    except HTTPException as exc:  # the parser's refusal: too many files, not a form
        return await _later(page, REFUSED, reason=str(exc.detail), form="upload")
    try:
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        if not files:
            return await _later(page, N_("Choose one or more files."), form="upload")
        uploads = [Upload(f.filename or "upload", f.file) for f in files]
        runner = runner_of(page.request)
        job = await run_in_threadpool(create_ingest_job, page.ctx, runner, uploads)
    except TooLargeError as exc:
        return await _later(page, REFUSED, status=413, reason=str(exc), form="upload")
    except NotAllowedError:
        raise  # the 403 page
    except ValueError as exc:
        return await _later(page, REFUSED, reason=str(exc), form="upload")
    finally:
        await form.close()
    return page.redirect(f"/jobs/{job.id}")


async def _later(page: Page, problem: str, status: int = 400, **values: str) -> Response:
    """The sources page with a problem, made off the event loop (it reads the store)."""
    return await run_in_threadpool(lambda: _sources_page(page, problem, status, **values))


@router.get("/jobs/{job_id}")
def read_job(page: SignedIn, job_id: int) -> Response:
    job = get_job(page.ctx, job_id) if 0 < job_id < 2**63 else None
    if job is None:
        raise NotFoundError
    return page.render("job.html", current="sources", job=job)


@router.get("/jobs/{job_id}/progress")
def read_job_progress(page: SignedIn, job_id: int) -> Response:
    """The job's progress alone: what its page swaps in every second until the job ends."""
    job = get_job(page.ctx, job_id) if 0 < job_id < 2**63 else None
    if job is None:
        raise NotFoundError
    return page.render("_job.html", job=job)
