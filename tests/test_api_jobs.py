"""/api/v1/ingest and /api/v1/jobs on SQLite and PostgreSQL: uploads capped per file and per
request (413), a multipart body that cannot be read or ends torn refused (400), a job polled
from queued to done through the real pipeline (its counts, failures by file name, the events
and indicators it leaves), a job stopped with its process ends interrupted, and one left
running by a process that died is interrupted at start-up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from outpost.config import Settings
from outpost.services import jobs as jobs_service
from outpost.services.jobs import STALE, UPLOADS, JobRunner
from outpost.store.jobs import claim_job, create_job, finish_job
from outpost.store.schema import events
from tests.conftest import EXAMPLES
from tests.loopback_site import Reply, Site, serve
from tests.test_api_auth import ALICE, Api, problem, running_api
from tests.test_indicators import SPIKE, stream

SAMPLE = EXAMPLES / "000_f376804d84136853.txt"


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from running_api(settings)


def poll(api: Api, url: str, seconds: float = 600.0) -> tuple[dict[str, Any], set[str]]:
    """The job once it has ended, and every state and step seen on the way."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = api.client.get(url, headers=api.headers()).json()
        seen.add(f"{job['state']}:{job['step']}")
        if job["state"] in ("done", "failed", "interrupted"):
            return job, seen
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def uploads(settings: Settings) -> list[Path]:
    folder = settings.data_dir / UPLOADS
    return sorted(folder.rglob("*")) if folder.exists() else []


def test_an_upload_over_the_cap_is_refused_and_nothing_kept(settings: Settings) -> None:
    small = replace(settings, upload_max_bytes=1000)
    for api in running_api(small):
        files = [("files", ("ok.txt", b"a" * 900)), ("files", ("big.txt", b"b" * 2000))]
        body = problem(api.call("POST", "/ingest", files=files), 413, "too-large")
        assert "big.txt" in body["detail"] and "1,000 bytes" in body["detail"]
        # A request larger than the cap and its multipart room is refused before it is read.
        huge = [("files", (f"{n}.txt", b"c" * 900)) for n in range(1300)]
        body = problem(api.call("POST", "/ingest", files=huge), 413, "too-large")
        assert "request body" in body["detail"]
        assert uploads(small) == []
        problem(api.get("/jobs/1"), 404, "not-found")  # no job was made


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({}, "nothing to ingest"),
        ({"urls": ["ftp://example.org/x"]}, "only http and https"),
        ({"feeds": ["http://"]}, "no host"),
        ({"urls": [f"https://example.org/{n}" for n in range(101)]}, "at most 100"),
    ],
)
def test_a_request_without_anything_to_ingest_is_named(
    api: Api, data: dict[str, Any], detail: str
) -> None:
    answer = api.call("POST", "/ingest", data=data, files=[("unused", ("x", b""))])
    assert detail in problem(answer, 422, "validation")["detail"]


def part(name: str, filename: str | None, data: bytes) -> bytes:
    """One part of a multipart body whose boundary is "b" (a form field without filename)."""
    file = f'; filename="{filename}"' if filename is not None else ""
    head = f'--b\r\nContent-Disposition: form-data; name="{name}"{file}\r\n\r\n'
    return head.encode() + data + b"\r\n"


WHOLE = part("files", "a.txt", b"Title\nA text.")  # a complete part, before a tear
TORN = "the multipart body ends before its closing boundary"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param(WHOLE + part("files", "b.txt", b"Title")[:-2], TORN, id="torn-in-a-part"),
        pytest.param(WHOLE + b"--b\r\nContent-Disposition: form-da", TORN, id="torn-in-headers"),
        pytest.param(b"", TORN, id="empty"),
        pytest.param(b"--b\r\n[1, 2]--b--\r\n", "Invalid multipart data", id="no-headers"),
        pytest.param(b"--b\r\n\r\nTitle\r\n--b--\r\n", '"name" must be', id="no-name"),
        pytest.param(WHOLE.replace(b"--b", b"--c") + b"--c--\r\n", "Invalid", id="boundary"),
    ],
)
def test_a_malformed_multipart_body_is_a_bad_request_and_makes_no_job(
    api: Api, body: bytes, detail: str
) -> None:
    """A body the multipart parser cannot read, or one that ends before its closing boundary
    (which the parser alone would take as the parts before the tear), is the 400 problem."""
    multipart = {"Content-Type": "multipart/form-data; boundary=b"}
    answer = api.call("POST", "/ingest", content=body, headers=multipart)
    assert detail in problem(answer, 400, "bad-request")["detail"]
    problem(api.get("/jobs/1"), 404, "not-found")  # nothing was taken from the whole part
    assert uploads(api.settings) == []
    responses = api.app.openapi()["paths"]["/api/v1/ingest"]["post"]["responses"]
    assert "The request cannot be read" in responses["400"]["description"]


def test_a_whole_multipart_body_without_a_file_part_is_not_valid(api: Api) -> None:
    """Read whole but with nothing to ingest: the request is read, and refused as not valid."""
    multipart = {"Content-Type": "multipart/form-data; boundary=b"}
    for body in (b"--b--\r\n", part("notes", None, b"no file") + b"--b--\r\n"):
        answer = api.call("POST", "/ingest", content=body, headers=multipart)
        assert "nothing to ingest" in problem(answer, 422, "validation")["detail"]
    whole = api.call("POST", "/ingest", content=WHOLE + b"--b--\r\n", headers=multipart)
    assert whole.status_code == 202 and whole.json()["request"]["files"] == ["a.txt"]


def test_a_job_of_failures_only_says_each_by_its_name(api: Api) -> None:
    files = [
        ("files", ("broken.json", b"{not json")),
        ("files", ("../../etc/empty.txt", b"   ")),
        ("files", ("notes.pdf", b"%PDF-1.4")),
    ]
    answer = api.call("POST", "/ingest", files=files)
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert answer.headers["location"] == accepted["url"] == f"/api/v1/jobs/{accepted['id']}"
    assert accepted["state"] == "queued" and accepted["created_by"] == "operator:alice"
    assert accepted["request"]["files"] == ["broken.json", "empty.txt", "notes.pdf"]
    job, _ = poll(api, accepted["url"])
    assert job["state"] == "done" and job["step"] is None and job["error"] is None
    assert job["counts"] == {"new": 0, "duplicate": 0, "near_duplicate": 0, "failed": 3}
    assert job["total"] == job["done"] == 3
    failures = {f["locator"]: f["reason"] for f in job["failures"]}
    assert set(failures) == {"broken.json", "empty.txt", "notes.pdf"}  # not where they were kept
    assert "empty" in failures["empty.txt"] and "unsupported" in failures["notes.pdf"]
    assert job["started"] and job["finished"] and job["finished"] >= job["started"]
    assert uploads(api.settings) == []


@pytest.fixture
def slow_site() -> Iterator[Site]:
    with serve() as site:
        site.routes["/slow"] = Reply(200, b"<html><body>late</body></html>", delay=3.0)
        yield site


def test_a_job_under_way_when_the_process_stops_ends_interrupted(api: Api, slow_site: Site) -> None:
    accepted = api.call("POST", "/ingest", data={"urls": [slow_site.url("/slow")]}).json()
    deadline = time.monotonic() + 30
    while api.get(f"/jobs/{accepted['id']}").json()["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    api.app.state.jobs.stop()  # what the app's shutdown does
    job = api.get(f"/jobs/{accepted['id']}").json()
    assert job["state"] == "interrupted" and job["finished"] and job["error"] is None


def test_a_job_left_running_by_a_dead_process_is_interrupted_at_start_up(
    settings: Settings,
) -> None:
    for api in running_api(settings):
        with api.context.engine.begin() as conn:
            job = create_job(conn, "ingest", ALICE.id, {"urls": ["https://x.example/"]}, now())
            claim_job(conn, job.id, now())
            queued = create_job(conn, "ingest", ALICE.id, {"feeds": []}, now())
        leftover = settings.data_dir / UPLOADS / "job-dead" / "upload" / "a.txt"
        leftover.parent.mkdir(parents=True)
        leftover.write_text("left by the process that died")
    for api in running_api(settings):  # the next process on the same store
        for job_id in (job.id, queued.id):
            found = api.get(f"/jobs/{job_id}").json()
            assert found["state"] == "interrupted" and found["finished"], found
        assert uploads(settings) == []


def test_a_second_process_leaves_the_live_jobs_of_another_alone(settings: Settings) -> None:
    """Two serving processes on one store: the one starting interrupts only the jobs whose
    process has been silent for STALE seconds, and deletes only uploads no live job needs."""
    for api in running_api(settings):
        at = now()
        with api.context.engine.begin() as conn:
            alive = create_job(conn, "ingest", ALICE.id, {"feeds": []}, at, "other-process")
            silent = at - timedelta(seconds=STALE + 5)
            gone = create_job(conn, "ingest", ALICE.id, {"feeds": []}, silent, "gone-process")
        root = settings.data_dir / UPLOADS
        kept = [root / f"job-{alive.id}" / "upload" / "a.txt", root / "saving-x1" / "b.txt"]
        dropped = [root / f"job-{gone.id}" / "upload" / "c.txt", root / "job-99999" / "d.txt"]
        for path in (*kept, *dropped):
            path.parent.mkdir(parents=True)
            path.write_text("uploaded")
        assert JobRunner(api.context.engine, settings).recover() == [gone.id]
        assert api.get(f"/jobs/{alive.id}").json()["state"] == "queued"
        assert api.get(f"/jobs/{gone.id}").json()["state"] == "interrupted"
        assert all(path.exists() for path in kept)
        assert not any(path.parent.exists() for path in dropped)


def test_a_long_job_stays_alive_while_its_process_beats(
    settings: Settings, slow_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_service, "BEAT", 0.2)
    monkeypatch.setattr(jobs_service, "STALE", 1.0)
    for api in running_api(settings):
        files = [("files", ("note.bin", b"no reader takes this kind"))]
        data = {"urls": [slow_site.url("/slow")]}
        accepted = api.call("POST", "/ingest", files=files, data=data).json()
        time.sleep(2.0)  # twice STALE: only the beats keep it from looking abandoned
        assert JobRunner(api.context.engine, settings).recover() == []
        assert api.get(f"/jobs/{accepted['id']}").json()["state"] in ("queued", "running")
        assert uploads(settings)  # its file is still there for it
        job, _ = poll(api, accepted["url"])
        assert job["state"] == "done", job
        assert uploads(settings) == []


def now() -> datetime:
    return datetime.now(UTC)


def test_jobs_are_listed_newest_first_a_page_at_a_time(api: Api) -> None:
    start = datetime(2025, 3, 1, 8, tzinfo=UTC)
    made = []
    with api.context.engine.begin() as conn:
        for n in range(7):  # two by two at the same second: ties on the time
            at = start + timedelta(seconds=n // 2)
            job = create_job(conn, "ingest", ALICE.id, {"urls": [f"https://x.example/{n}"]}, at)
            if n % 3 == 0:
                claim_job(conn, job.id, at)
                finish_job(conn, job.id, "done", None, at)
            made.append(job.id)
    seen, totals, cursor = [], set(), None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/jobs", params=params).json()
        seen += page["items"]
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [j["id"] for j in seen] == made[::-1] and totals == {7}
    assert seen[0]["url"] == f"/api/v1/jobs/{made[-1]}"
    assert seen[0] == api.get(f"/jobs/{made[-1]}").json()
    oldest = api.get("/jobs", params={"sort": "created", "limit": 2}).json()
    assert [j["id"] for j in oldest["items"]] == made[:2] and oldest["total"] == 7
    done = api.get("/jobs", params={"state": "done"}).json()
    assert [j["id"] for j in done["items"]] == [made[6], made[3], made[0]]
    assert done["total"] == 3 and {j["state"] for j in done["items"]} == {"done"}
    problem(api.get("/jobs", params={"state": "lost"}), 422, "validation")
    problem(api.get("/jobs", params={"sort": "-score"}), 422, "validation")
    other = api.get("/jobs", params={"sort": "created", "cursor": page_cursor(api)})
    problem(other, 400, "bad-query")
    problem(api.client.get("/api/v1/jobs"), 401, "unauthorized")


def page_cursor(api: Api) -> str:
    cursor: str = api.get("/jobs", params={"limit": 1}).json()["next_cursor"]
    return cursor


@pytest.mark.slow
def test_a_job_runs_the_real_pipeline_and_its_indicators_show(api: Api, tmp_path: Path) -> None:
    border = stream(tmp_path / "border.jsonl").read_bytes()
    files = [
        ("files", ("border.jsonl", border)),
        ("files", (SAMPLE.name, SAMPLE.read_bytes())),
        ("files", ("bad.json", b"[1, 2")),
    ]
    accepted = api.call("POST", "/ingest", files=files).json()
    job, seen = poll(api, accepted["url"])
    assert job["state"] == "done", job
    assert "running:analysing" in seen  # polled while it ran, the step said
    lines = len([line for line in border.splitlines() if line.strip()])
    assert job["counts"]["new"] == lines + 1 and job["counts"]["failed"] == 1
    assert job["total"] == job["done"] == lines + 2
    assert job["analysed"] == lines + 1 and job["clustered"] == lines + 1
    assert [f["locator"] for f in job["failures"]] == ["bad.json"]
    with api.context.engine.connect() as conn:
        assert conn.execute(events.select().limit(1)).first() is not None  # events to see
    assert uploads(api.settings) == []
    day = SPIKE.isoformat()
    country = api.get("/indicators", params={"kind": "country", "day": day}).json()
    tj = {s["key"]: s for s in country["series"]}["TJ"]
    assert tj["spike"] and tj["observed"] == 9 and len(tj["history"]) >= 14
    spikes = api.get("/indicators/spikes", params={"day": day}).json()
    assert ("country", "TJ") in {(s["kind"], s["key"]) for s in spikes["series"]}
    assert all(s["spike"] for s in spikes["series"]) and spikes["day"] == day
    # The same files again: duplicates, nothing new to analyse.
    again, _ = poll(api, api.call("POST", "/ingest", files=files[:2]).json()["url"])
    assert again["counts"]["duplicate"] == lines + 1 and again["analysed"] == 0
