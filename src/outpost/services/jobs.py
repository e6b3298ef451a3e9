"""Jobs: an ingest the API accepts and a worker thread of the serving process does, then the
analysis and clustering of what it stored, so whoever sent it soon sees events and stories.

A job is a row of the store (outpost.store.jobs) that its worker writes as it goes, at most
every PROGRESS_EVERY seconds, so a client polls it. One worker runs the jobs of a process one
at a time, in the order they came. Uploaded files are saved under the data folder before the
job is queued and deleted when it ends, however it ends.

Several serving processes may share a store: each job names the process whose worker runs
it, and that process says every BEAT seconds that it is alive; a job whose process has been
silent for STALE seconds had a worker that is gone, and is marked interrupted (by any
process, at start-up and at each beat).
"""

from __future__ import annotations

import logging
import queue
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from outpost.addresses import split_url
from outpost.analyze.pipeline import Pipeline
from outpost.config import Settings
from outpost.ingest.files import META
from outpost.records import Failure, Outcome, Stored
from outpost.respond.people import Action, require_of_people
from outpost.services.analysis import analyze_store
from outpost.services.context import Context
from outpost.services.ingest import ingest
from outpost.services.paging import Page, Window, paged
from outpost.services.stories import cluster_store
from outpost.services.watch import ANALYSING
from outpost.store import jobs as store
from outpost.store.errors import describe
from outpost.store.jobs import MAX_FAILURES, Job
from outpost.store.times import now

log = logging.getLogger("outpost.jobs")

PROGRESS_EVERY = 0.5  # seconds between two writes of a job's progress, at least
UPLOADS = "uploads"  # the folder under the data folder where uploads wait for their job
SAVING = "saving-"  # an upload's folder while its files are saved, before its job exists
JOB_FOLDER = "job-"  # then: "job-<id>"
BEAT = 15.0  # seconds between two signs of life of a serving process
STALE = 60.0  # seconds of silence after which a process's unfinished jobs are interrupted
MAX_SOURCES = 100  # files, URLs and feeds of one job, each
MAX_NAME = 200  # characters of an uploaded file's name as kept
CHUNK = 1 << 20
# The folder a job's files are read from: a text or HTML file that names no source takes its
# folder's name as source (as a file on disk does), so that name is "upload".
FILES_FOLDER = "upload"


class TooLargeError(ValueError):
    """An uploaded file over the settings' upload_max_bytes; the message names it."""


class StoppedError(Exception):
    """The serving process is stopping: the job under way ends interrupted."""


@dataclass(frozen=True)
class Upload:
    name: str  # as the client gave it
    file: BinaryIO


@dataclass(frozen=True)
class _Work:
    job: int
    folder: Path | None  # the uploads' folder (deleted when the job ends)
    sources: tuple[str, ...]  # the uploaded files and the page URLs
    feeds: tuple[str, ...]


# --- accepting a job --------------------------------------------------------------------------


def create_ingest_job(
    ctx: Context,
    runner: JobRunner,
    files: Sequence[Upload] = (),
    urls: Sequence[str] = (),
    feeds: Sequence[str] = (),
) -> Job:
    """Save the uploads, queue a job that ingests them and the URLs and feeds, as the acting
    principal; the job as queued. ValueError names what is wrong with the request
    (TooLargeError: a file over the cap); nothing is kept then. NotAllowedError for a
    viewer."""
    require_of_people(ctx.who, Action.INGEST)
    urls, feeds = [u.strip() for u in urls], [f.strip() for f in feeds]
    _check_request(files, urls, feeds)
    saved = _save_uploads(ctx.settings, files) if files else None
    try:
        names = sorted(p.name for p in saved.iterdir()) if saved else []
        request = {"files": names, "urls": urls, "feeds": feeds}
        with ctx.engine.begin() as conn:
            job = store.create_job(conn, "ingest", ctx.who.id, request, now(), runner.id)
            # Named by its job from now on: a process cleaning up knows whose it is.
            folder = _name_for(saved, job.id) if saved else None
    except BaseException:
        _remove(saved.parent if saved else None)
        raise
    # Each file by its path, so one of a kind no reader takes is a failure the job shows (a
    # folder would pass over it); a sidecar is read with the file it describes.
    read = [str(folder / name) for name in names if folder and not name.endswith(META)]
    sources = (*read, *urls)
    runner.submit(_Work(job.id, folder.parent if folder else None, sources, tuple(feeds)))
    return job


def _name_for(saved: Path, job_id: int) -> Path:
    """The uploads' folder moved to the job's own name; the files' folder in it."""
    job_folder = saved.parent.rename(saved.parent.with_name(f"{JOB_FOLDER}{job_id}"))
    return job_folder / saved.name


def get_job(ctx: Context, job_id: int) -> Job | None:
    with ctx.engine.connect() as conn:
        return store.get_job(conn, job_id)


def find_jobs(ctx: Context, state: str | None, window: Window) -> Page[Job]:
    """The jobs (in one state), newest first ("-created", default) or oldest ("created"), a
    page at a time; BadQueryError names a sort or cursor that cannot be."""
    with ctx.engine.connect() as conn:
        return paged(window, tuple(store.SORTS), lambda s: store.list_jobs(conn, state, s))


def _check_request(files: Sequence[Upload], urls: Sequence[str], feeds: Sequence[str]) -> None:
    if not (files or urls or feeds):
        raise ValueError("nothing to ingest: give files, urls or feeds")
    for what, items in (("files", files), ("urls", urls), ("feeds", feeds)):
        if len(items) > MAX_SOURCES:
            raise ValueError(f"{what}: at most {MAX_SOURCES} in one job")
    for url in (*urls, *feeds):
        split_url(url)  # AddressError (a ValueError) names a URL that is not http(s); the
        # fetcher checks where it leads when it connects, under the one address policy


def _save_uploads(settings: Settings, files: Sequence[Upload]) -> Path:
    """The files in a new folder under the data folder, each at most upload_max_bytes; the
    folder they are in (its parent is the job's own)."""
    root = settings.data_dir / UPLOADS
    root.mkdir(parents=True, exist_ok=True)
    job_folder = Path(tempfile.mkdtemp(prefix=SAVING, dir=root))
    folder = job_folder / FILES_FOLDER
    folder.mkdir()
    try:
        for upload in files:
            _save(upload, folder, settings.upload_max_bytes)
    except BaseException:
        _remove(job_folder)
        raise
    return folder


def _save(upload: Upload, folder: Path, cap: int) -> None:
    name = _free_name(folder, safe_name(upload.name))
    size = 0
    with (folder / name).open("xb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > cap:
                raise TooLargeError(f"file {name!r} is larger than {cap:,} bytes")
            out.write(chunk)


def safe_name(given: str) -> str:
    """A file name to save an upload as: its last part, without controls or a leading dot
    (a hidden file is not read), at most MAX_NAME characters, the suffix kept."""
    last = re.split(r"[/\\]", given)[-1]
    text = "".join(c for c in last if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if len(text) > MAX_NAME:
        suffix = Path(text).suffix[:20]
        text = text[: MAX_NAME - len(suffix)] + suffix
    return text or "upload"


def _free_name(folder: Path, name: str) -> str:
    """`name`, or "stem (2).suffix" and so on when a file of the job already has it."""
    path, count = Path(name), 1
    while (folder / name).exists():
        count += 1
        name = f"{path.stem} ({count}){path.suffix}"
    return name


def _remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _clear_uploads(root: Path, live: set[int], saving_before: float) -> None:
    """Delete what no unfinished job needs under the uploads' folder: the folders of jobs
    that ended, anything else left there, and uploads still being saved since before
    `saving_before` (a request that died). Those of unfinished jobs stay, whatever process
    runs them."""
    if not root.is_dir():
        return
    keep = {f"{JOB_FOLDER}{job_id}" for job_id in live}
    for entry in root.iterdir():
        if entry.name in keep:
            continue
        if entry.name.startswith(SAVING) and _modified(entry) >= saving_before:
            continue
        if entry.is_dir() and not entry.is_symlink():
            _remove(entry)
        else:
            entry.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# --- running jobs -----------------------------------------------------------------------------


class JobRunner:
    """The worker thread of a serving process; started by the first job (or `start`)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.queue: queue.Queue[_Work | None] = queue.Queue()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.beating: threading.Thread | None = None
        self.starting = threading.Lock()
        self.pipeline: Pipeline | None = None  # loaded by the first job that analyses
        self.id = secrets.token_hex(8)  # this process, as its jobs name it

    def recover(self) -> list[int]:
        """Mark interrupted the jobs whose process is gone (silent for STALE seconds) and
        delete the uploads no unfinished job needs; the ids of the jobs interrupted. Run at
        start-up and at every beat; another process's live jobs and uploads are left be."""
        at = now()
        with self.engine.begin() as conn:
            ended = store.interrupt_stale(conn, at - timedelta(seconds=STALE), at)
            live = store.unfinished(conn)
        _clear_uploads(self.settings.data_dir / UPLOADS, live, time.time() - STALE)
        return ended

    def _beat(self) -> None:
        """Say this process is alive, every BEAT seconds, and interrupt the jobs of those
        that are not, until the process stops."""
        while not self.stopping.wait(BEAT):
            try:
                with self.engine.begin() as conn:
                    store.beat(conn, self.id, now())
                self.recover()
            except Exception:  # the store briefly away: beat again later
                log.exception("jobs: no heartbeat written")

    def start(self) -> None:
        with self.starting:
            if self.thread is None and not self.stopping.is_set():
                self.thread = threading.Thread(target=self._work, name="outpost-jobs", daemon=True)
                self.thread.start()
                self.beating = threading.Thread(
                    target=self._beat, name="outpost-jobs-beat", daemon=True
                )
                self.beating.start()

    def submit(self, work: _Work) -> None:
        self.queue.put(work)
        self.start()

    def stop(self, timeout: float = 30.0) -> None:
        """End the job under way as interrupted (at its next step of progress) and those
        still queued; wait for the worker at most `timeout` seconds."""
        self.stopping.set()
        self.queue.put(None)
        if self.thread is not None:
            self.thread.join(timeout)
        if self.beating is not None:  # no beat may reach a store its owner is closing
            self.beating.join(timeout)
        self._drain()

    def _drain(self) -> None:
        """The jobs still queued end interrupted, their uploads deleted."""
        while True:
            try:
                work = self.queue.get_nowait()
            except queue.Empty:
                return
            if work is not None:
                self._end(work, "interrupted", None)

    def _work(self) -> None:
        while not self.stopping.is_set():
            work = self.queue.get()
            if work is None:
                return
            if self.stopping.is_set():
                self._end(work, "interrupted", None)
                continue
            try:
                self.run(work)
            except Exception:  # the store away as the job starts: the worker goes on
                log.exception("job %s could not be run", work.job)
                _remove(work.folder)

    def run(self, work: _Work) -> None:
        """Run one job to its end, whatever happens in it."""
        with self.engine.begin() as conn:
            claimed = store.claim_job(conn, work.job, now())
        if not claimed:
            _remove(work.folder)
            return
        progress = JobProgress(self.engine, work.job, self.stopping, work.folder)
        try:
            self._steps(work, progress)
        except StoppedError:
            self._end(work, "interrupted", None, progress)
        except Exception as exc:
            log.exception("job %s failed", work.job)  # the traceback is for the server's log
            self._end(work, "failed", _reason(exc), progress)
        else:
            self._end(work, "done", None, progress)

    def _steps(self, work: _Work, progress: JobProgress) -> None:
        progress.step("ingesting")
        summary = ingest(
            self.engine, self.settings, work.sources, work.feeds, tracker=_Tracker(progress)
        )
        # The summary is the run's own account: its counts, and every failure with its reason.
        progress.counts.update(
            new=summary.new,
            duplicate=summary.duplicate,
            near_duplicate=summary.near_duplicate,
            failed=summary.failed,
        )
        progress.failures = [progress.shown(f) for f in summary.failures[:MAX_FAILURES]]
        with _holding(ANALYSING, self.stopping):  # the watch loop may be analysing
            progress.step("analysing")
            if summary.new + summary.near_duplicate:  # the models load for new articles only
                self.pipeline = self.pipeline or Pipeline.load()
            analysed = _Steps(progress, "analysed")
            analyze_store(self.engine, pipeline=self.pipeline, progress=analysed)
            progress.step("clustering")
            cluster_store(self.engine, progress=_Steps(progress, "clustered"))

    def _end(
        self, work: _Work, state: str, error: str | None, progress: JobProgress | None = None
    ) -> None:
        _remove(work.folder)  # first: a job seen ended has left nothing behind
        try:
            if progress is not None:
                progress.flush(force=True)
            with self.engine.begin() as conn:
                store.finish_job(conn, work.job, state, error, now())
        except Exception:  # the store is away: the next start-up marks it interrupted
            log.exception("job %s: its end (%s) could not be written", work.job, state)


@contextmanager
def _holding(lock: threading.Lock, stopping: threading.Event) -> Iterator[None]:
    """The lock, or StoppedError if the process stops while the job waits for it."""
    while not lock.acquire(timeout=0.25):
        if stopping.is_set():
            raise StoppedError
    try:
        yield
    finally:
        lock.release()


def _reason(exc: Exception) -> str:
    """Why a job failed, for whoever polls it: the store's own account, else the kind of
    error only (the details are in the server's log)."""
    return describe(exc) or f"internal error ({type(exc).__name__}); see the server's log"


@dataclass
class JobProgress:
    """A running job's step and counters, written to its row at most every PROGRESS_EVERY
    seconds (and whenever the step changes)."""

    engine: Engine
    job: int
    stopping: threading.Event
    folder: Path | None  # the job's uploads, whose place is not shown
    current: str | None = None  # the step
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    written: float = 0.0  # monotonic time of the last write

    def step(self, name: str) -> None:
        self.current = name
        self.flush(force=True)

    def add(self, counter: str, steps: int = 1) -> None:
        """Count; and, as this is called all along, stop here when the process is stopping."""
        if self.stopping.is_set():
            raise StoppedError
        self.counts[counter] = self.counts.get(counter, 0) + steps
        self.flush()

    def failed(self, stored: Stored) -> None:
        if len(self.failures) < MAX_FAILURES:  # the reason comes with the run's summary
            self.failures.append(self.shown(Failure(stored.locator, "failed")))

    def shown(self, failure: Failure) -> Failure:
        """The failure as the job shows it: an upload by its name, not where it was saved."""
        if self.folder is None:
            return failure
        prefix = f"{self.folder / FILES_FOLDER}/"
        return Failure(failure.locator.removeprefix(prefix), failure.reason)

    def flush(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.written < PROGRESS_EVERY:
            return
        values = {**self.counts, "step": self.current}
        with self.engine.begin() as conn:
            store.save_progress(conn, self.job, values, self.failures, now())
        self.written = time.monotonic()


COUNTER = {
    Outcome.NEW: "new",
    Outcome.DUPLICATE: "duplicate",
    Outcome.NEAR_DUPLICATE: "near_duplicate",
    Outcome.FAILED: "failed",
}


class _Tracker:
    """The ingest run's progress (outpost.services.ingest.Tracker) into the job's counters."""

    def __init__(self, progress: JobProgress) -> None:
        self.progress = progress

    def expect(self, items: int) -> None:
        self.progress.add("total", items)

    def advance(self, stored: Stored) -> None:
        if stored.outcome is Outcome.FAILED:
            self.progress.failed(stored)
        counter = COUNTER[stored.outcome]
        self.progress.counts[counter] = self.progress.counts.get(counter, 0) + 1
        self.progress.add("done")


class _Steps:
    """A later step's progress (outpost.services.progress.Progress) into one counter."""

    def __init__(self, progress: JobProgress, counter: str) -> None:
        self.progress, self.counter = progress, counter

    def start(self, total: int | None) -> None:
        if self.progress.stopping.is_set():
            raise StoppedError

    def advance(self, steps: int = 1) -> None:
        self.progress.add(self.counter, steps)
