"""/ingest and /jobs: an ingest of uploaded files, URLs and feeds runs as a job of the serving
process; its progress is polled at the URL the 202 answer gives."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile, status

from outpost.addresses import AddressError
from outpost.api.deps import ContextDep, RunnerDep
from outpost.api.filters import Cursor, Limit, sort_query
from outpost.api.problems import ProblemError, documented, not_found
from outpost.api.schemas.common import MAX_ID, Page
from outpost.api.schemas.jobs import JobPublic, JobState, job_public
from outpost.respond.people import NotAllowedError
from outpost.services import jobs as service
from outpost.services.paging import Window
from outpost.store.jobs import SORTS

router = APIRouter(tags=["jobs"], responses=documented("unauthorized"))
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="The job's id.")]
Sort = Annotated[
    str | None, sort_query(tuple(SORTS), "-created (default: newest first) or created.")
]


@router.post(
    "/ingest",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=documented("too-large", "bad-request", "forbidden"),
)
def create_ingest(
    ctx: ContextDep,
    runner: RunnerDep,
    request: Request,
    response: Response,
    files: Annotated[list[UploadFile], File(description="Files: txt, html, json, jsonl.")] = [],  # noqa: B006
    urls: Annotated[list[str], Form(description="Pages to fetch.")] = [],  # noqa: B006
    feeds: Annotated[list[str], Form(description="Feeds to read once.")] = [],  # noqa: B006
) -> JobPublic:
    """Ingest the files, pages and feeds, then analyse and cluster what was stored, as a job;
    202 with the job, whose URL (also in Location) shows its progress. Each file, and the
    request, may be at most the settings' upload_max_bytes (413)."""
    cap = ctx.settings.upload_max_bytes
    for upload in files:
        if upload.size is not None and upload.size > cap:
            raise _too_large(f"file {upload.filename!r} is larger than {cap:,} bytes")
    uploads = [service.Upload(u.filename or "upload", u.file) for u in files]
    try:
        job = service.create_ingest_job(ctx, runner, uploads, urls, feeds)
    except service.TooLargeError as exc:
        raise _too_large(str(exc)) from None
    except NotAllowedError:
        raise  # a 403 problem (problems.install)
    except (AddressError, ValueError) as exc:
        raise ProblemError("validation", str(exc)) from None
    url = _url(request, job.id)
    response.headers["Location"] = url
    return job_public(job, url)


@router.get("/jobs", response_model=Page[JobPublic], responses=documented("bad-query"))
def read_jobs(
    ctx: ContextDep,
    request: Request,
    state: Annotated[JobState | None, Query(description="Only the jobs in this state.")] = None,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[JobPublic]:
    """Every ingest job of the store (whoever sent it), newest first, a page at a time."""
    page = service.find_jobs(ctx, state, Window(sort, cursor, limit))
    return Page[JobPublic](
        items=[job_public(j, _url(request, j.id)) for j in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get("/jobs/{job_id}", response_model=JobPublic, responses=documented("not-found"))
def read_job(ctx: ContextDep, request: Request, job_id: JobId) -> JobPublic:
    """A job: its state, step, counts, first failures, who created it, and when."""
    job = service.get_job(ctx, job_id)
    if job is None:
        raise not_found("job")
    return job_public(job, _url(request, job.id))


def _url(request: Request, job_id: int) -> str:
    return str(request.url_for("read_job", job_id=job_id).path)


def _too_large(detail: str) -> ProblemError:
    return ProblemError("too-large", detail)
