"""Jobs in the store: created queued, claimed by a worker, their progress written as they go,
finished done, failed or interrupted.

Every function takes the caller's Connection; the service owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from outpost.records import Failure
from outpost.store.lists.common import Conditions
from outpost.store.lists.keyset import Listed, Slice, Sort, Source, listed, sort_of
from outpost.store.schema import jobs
from outpost.store.times import aware, from_db, to_db

STATES = ("queued", "running", "done", "failed", "interrupted")
UNFINISHED = ("queued", "running")
MAX_FAILURES = 50  # failures a job keeps (the store's ingest_errors has them all)
# What a worker writes as it goes; nothing else of a job changes after it is created.
PROGRESS = frozenset(
    {
        "step",
        "total",
        "done",
        "new",
        "duplicate",
        "near_duplicate",
        "failed",
        "analysed",
        "clustered",
    }
)


@dataclass(frozen=True)
class Job:
    id: int
    kind: str  # ingest
    state: str  # one of STATES
    step: str | None  # ingesting, analysing, clustering (while running)
    created_by: str  # the principal's id
    request: Mapping[str, tuple[str, ...]]  # files, urls, feeds
    total: int  # items expected so far (a feed's entries are counted as they come)
    done: int
    new: int
    duplicate: int
    near_duplicate: int
    failed: int
    failures: tuple[Failure, ...]  # the first MAX_FAILURES
    analysed: int
    clustered: int
    error: str | None  # why a failed job failed
    created: datetime
    started: datetime | None
    finished: datetime | None
    updated: datetime


def create_job(
    conn: Connection,
    kind: str,
    who: str,
    request: Mapping[str, list[str]],
    now: datetime,
    runner: str | None = None,
) -> Job:
    """A queued job, which the process `runner` will run (None: no process, as a job left
    by one that is gone)."""
    counters = dict.fromkeys(PROGRESS - {"step"}, 0)
    values = {
        "kind": kind,
        "state": "queued",
        "created_by": who,
        "request": json.dumps(request, ensure_ascii=False),
        "failures": "[]",
        "created": to_db(now),
        "updated": to_db(now),
        "runner": runner,
        "heartbeat": to_db(now) if runner else None,
        **counters,
    }
    job_id = conn.execute(insert(jobs).values(values).returning(jobs.c.id)).scalar_one()
    found = get_job(conn, int(job_id))
    assert found is not None  # just inserted, in this transaction
    return found


def get_job(conn: Connection, job_id: int) -> Job | None:
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return _job(row) if row else None


# The order they came in, newest first by default (the jobs of a store are a few thousand).
SORTS = {
    "-created": Sort(jobs.c.created, jobs.c.id, descending=True),
    "created": Sort(jobs.c.created, jobs.c.id, descending=False),
}


def list_jobs(conn: Connection, state: str | None, s: Slice) -> Listed[Job]:
    """The jobs (in one state), in the sort's order; ListError names a sort or cursor that
    cannot be."""
    sort = sort_of(SORTS, s.sort)
    where = (jobs.c.state == state,) if state is not None else ()
    return listed(conn, JOBS, Conditions(where), sort, s)


def claim_job(conn: Connection, job_id: int, now: datetime) -> bool:
    """Start a queued job; False when it is not queued (finished, or interrupted meanwhile)."""
    claimed = conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state == "queued")
        .values(state="running", started=to_db(now), updated=to_db(now))
        .returning(jobs.c.id)
    ).first()
    return claimed is not None


def save_progress(
    conn: Connection,
    job_id: int,
    values: Mapping[str, object],
    failures: list[Failure],
    now: datetime,
) -> None:
    """Write the counters of a running job and its first failures."""
    unknown = set(values) - PROGRESS
    if unknown:
        raise ValueError(f"not a job's progress: {sorted(unknown)}")
    kept = [{"locator": f.locator, "reason": f.reason} for f in failures[:MAX_FAILURES]]
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state == "running")
        .values(**values, failures=json.dumps(kept, ensure_ascii=False), updated=to_db(now))
    )


def finish_job(conn: Connection, job_id: int, state: str, error: str | None, now: datetime) -> None:
    """End an unfinished job as done, failed or interrupted."""
    if state not in STATES[2:]:
        raise ValueError(f"a job ends done, failed or interrupted, not {state!r}")
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state.in_(UNFINISHED))
        .values(state=state, step=None, error=error, finished=to_db(now), updated=to_db(now))
    )


def beat(conn: Connection, runner: str, now: datetime) -> None:
    """The process `runner` is alive: its unfinished jobs are not to be interrupted."""
    conn.execute(
        update(jobs)
        .where(jobs.c.runner == runner, jobs.c.state.in_(UNFINISHED))
        .values(heartbeat=to_db(now))
    )


def interrupt_stale(conn: Connection, silent_since: datetime, now: datetime) -> list[int]:
    """Mark interrupted every queued or running job whose process has not beaten since
    `silent_since` (or never did): its worker is gone. Their ids."""
    stale = or_(jobs.c.heartbeat.is_(None), jobs.c.heartbeat < to_db(silent_since))
    ended = conn.execute(
        update(jobs)
        .where(jobs.c.state.in_(UNFINISHED), stale)
        .values(state="interrupted", step=None, finished=to_db(now), updated=to_db(now))
        .returning(jobs.c.id)
    )
    return sorted(int(job_id) for job_id in ended.scalars())


def unfinished(conn: Connection) -> set[int]:
    """The ids of the jobs queued or running, in any process."""
    query = select(jobs.c.id).where(jobs.c.state.in_(UNFINISHED))
    return {int(job_id) for job_id in conn.execute(query).scalars()}


def _job(row: Any) -> Job:
    request = json.loads(row.request)
    return Job(
        id=row.id,
        kind=row.kind,
        state=row.state,
        step=row.step,
        created_by=row.created_by,
        request={key: tuple(value) for key, value in request.items()},
        total=row.total,
        done=row.done,
        new=row.new,
        duplicate=row.duplicate,
        near_duplicate=row.near_duplicate,
        failed=row.failed,
        failures=tuple(Failure(f["locator"], f["reason"]) for f in json.loads(row.failures)),
        analysed=row.analysed,
        clustered=row.clustered,
        error=row.error,
        created=aware(row.created),
        started=from_db(row.started),
        finished=from_db(row.finished),
        updated=aware(row.updated),
    )


JOBS = Source(
    jobs,
    jobs.c.id,
    lambda ids: select(jobs, jobs.c.id.label("sort_id")).where(jobs.c.id.in_(ids)),
    _job,
)
