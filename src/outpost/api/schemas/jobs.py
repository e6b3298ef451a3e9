"""Jobs as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, Field

from outpost.store.jobs import Job

JobState = Literal["queued", "running", "done", "failed", "interrupted"]
Step = Literal["ingesting", "analysing", "clustering"]


class JobRequest(BaseModel):
    files: list[str] = Field(description="The uploaded files, by the names they were saved as.")
    urls: list[str]
    feeds: list[str]


class JobCounts(BaseModel):
    new: int
    duplicate: int
    near_duplicate: int
    failed: int


class JobFailure(BaseModel):
    locator: str = Field(description="The file (and line), URL or feed entry that failed.")
    reason: str


class JobPublic(BaseModel):
    id: int
    url: str = Field(description="Where to poll this job.")
    kind: Literal["ingest"]
    state: JobState
    step: Step | None = Field(description="What a running job is doing.")
    created_by: str
    request: JobRequest
    total: int = Field(description="Items expected so far (a feed's entries count as they come).")
    done: int
    counts: JobCounts
    failures: list[JobFailure] = Field(description="The first 50 failures.")
    analysed: int = Field(description="Articles analysed after the ingest.")
    clustered: int = Field(description="Articles placed in stories after the analysis.")
    error: str | None = Field(description="Why a failed job failed.")
    created: datetime
    started: datetime | None
    finished: datetime | None
    updated: datetime


def job_public(job: Job, url: str) -> JobPublic:
    return JobPublic(
        id=job.id,
        url=url,
        kind=cast(Literal["ingest"], job.kind),
        state=cast(JobState, job.state),
        step=cast(Step | None, job.step),
        created_by=job.created_by,
        request=JobRequest(
            files=list(job.request.get("files", ())),
            urls=list(job.request.get("urls", ())),
            feeds=list(job.request.get("feeds", ())),
        ),
        total=job.total,
        done=job.done,
        counts=JobCounts(
            new=job.new,
            duplicate=job.duplicate,
            near_duplicate=job.near_duplicate,
            failed=job.failed,
        ),
        failures=[JobFailure(locator=f.locator, reason=f.reason) for f in job.failures],
        analysed=job.analysed,
        clustered=job.clustered,
        error=job.error,
        created=job.created,
        started=job.started,
        finished=job.finished,
        updated=job.updated,
    )
