"""Page extraction under a budget of time and memory (Settings.limits: parse_seconds,
parse_memory), so no page can cost more than that, whatever its markup does to the parsers.

The extraction runs in a long-lived child process (`python -m outpost.ingest.parse_budget`),
started on the first page and reused, so a normal page costs only the trip through a pipe.
The child caps its own address space (RLIMIT_AS) at what it uses when ready plus
parse_memory, so a page that needs more fails inside it (or kills it) instead of the machine.
A page that overruns parse_seconds has its child killed; either way the page becomes a
failure naming the budget it broke, and the next page gets a fresh child.

A child process, not a thread: a thread cannot be stopped or capped. A new interpreter, not a
fork: a fork would copy the parent's loaded models into every child. A module run with -m,
not multiprocessing: spawning re-imports the parent's __main__, which for `python -m outpost`
is the CLI itself. Replies are JSON, never pickles: the child reads hostile input.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from outpost.config import Limits
from outpost.ingest.pages import Page, extract_page
from outpost.values import ItemError

START_SECONDS = 60.0  # for the child to import the parsers: not part of any page's budget
WARM_UP = (  # one page through the parsers before the child says it is ready
    b"<html><head><title>Warm-up</title></head><body><article><p>The parsers load their "
    b"tables on first use, which must not count against the first page's budget.</p>"
    b"</article></body></html>"
)


class _BrokenError(Exception):
    """The child overran its time, or died."""


class ParseBudget:
    """Extracts pages in a child process under `limits`; thread-safe, one page at a time."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def __call__(self, raw: bytes, url: str | None = None) -> Page:
        with self._lock:
            child = self._child or self._start()
            try:
                _send(child, raw, url)
                reply = _reply(child, self.limits.parse_seconds)
            except _BrokenError as broken:
                self.close()
                raise self._overrun(str(broken)) from None
        if "error" in reply:
            if reply.get("memory"):
                self.close()  # a child that ran out of memory may be left in a bad state
                raise self._overrun("memory")
            raise ItemError(str(reply["error"]))
        return _page(reply["page"])

    def close(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    stream.close()

    def _start(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", __name__, str(self.limits.parse_memory)]
        child = subprocess.Popen(  # our own interpreter and module
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._child = child
        try:
            _reply(child, START_SECONDS)
        except _BrokenError as broken:
            self.close()
            raise ItemError(f"page extraction could not start: {broken}") from None
        return child

    def _overrun(self, what: str) -> ItemError:
        """The failure of a page that broke its budget: `what` is "time", "memory" (the
        extraction said so), or how the child died (the memory cap is the likely cause)."""
        memory = f"{self.limits.parse_memory:,} bytes of memory (the parse_max_memory setting)"
        if what == "time":
            return ItemError(
                f"page extraction took longer than {self.limits.parse_seconds:g} s "
                "(the parse_timeout setting); stopped"
            )
        if what == "memory":
            return ItemError(f"page extraction needed more than its {memory}; stopped")
        return ItemError(f"page extraction {what}, most likely over its {memory}")


def _send(child: subprocess.Popen[bytes], raw: bytes, url: str | None) -> None:
    assert child.stdin is not None
    try:
        child.stdin.write(json.dumps({"url": url, "size": len(raw)}).encode() + b"\n")
        child.stdin.write(raw)
        child.stdin.flush()
    except (BrokenPipeError, OSError):
        raise _BrokenError(f"process died ({_exit(child)})") from None


def _reply(child: subprocess.Popen[bytes], seconds: float) -> dict[str, Any]:
    """The child's next reply line, waiting at most `seconds` for all of it."""
    assert child.stdout is not None
    fd = child.stdout.fileno()
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    while not chunks or not chunks[-1].endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            raise _BrokenError("time")
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise _BrokenError(f"process died ({_exit(child)})")
        chunks.append(chunk)
    reply: dict[str, Any] = json.loads(b"".join(chunks))
    return reply


def _exit(child: subprocess.Popen[bytes]) -> str:
    try:
        code = child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return "no exit status"
    return f"killed by signal {-code}" if code < 0 else f"exit status {code}"


def _page(fields: dict[str, Any]) -> Page:
    published = fields.get("published")
    return Page(
        text=fields["text"],
        title=fields.get("title"),
        url=fields.get("url"),
        published=datetime.fromisoformat(published) if published else None,
        lang=fields.get("lang"),
        sitename=fields.get("sitename"),
    )


_budgets: dict[Limits, ParseBudget] = {}
_budgets_lock = threading.Lock()


def budgeted(limits: Limits) -> ParseBudget:
    """The process's one ParseBudget for `limits`: its child serves every run (a `watch` runs
    many), and is stopped when the process exits."""
    with _budgets_lock:
        if limits not in _budgets:
            _budgets[limits] = ParseBudget(limits)
        return _budgets[limits]


@atexit.register
def _close_all() -> None:
    for budget in list(_budgets.values()):
        budget.close()


# The child ------------------------------------------------------------------------------------


def serve(memory: int) -> None:
    """Read requests from stdin, answer each with one JSON line on stdout, until stdin ends."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print of a library must not corrupt the replies
    extract_page(WARM_UP, None)
    _cap_memory(memory)
    _answer(replies, {"ready": True})
    while header := requests.readline():
        request = json.loads(header)
        raw = requests.read(int(request["size"]))
        _answer(replies, _extract(raw, request.get("url")))


def _extract(raw: bytes, url: str | None) -> dict[str, Any]:
    try:
        page = extract_page(raw, url)
    except ItemError as exc:
        return {"error": str(exc)}
    except MemoryError:
        return {"error": "memory", "memory": True}
    except Exception as exc:  # the parent turns it into the page's failure
        return {"error": f"HTML could not be parsed: {type(exc).__name__}: {exc}"}
    published = page.published.isoformat() if page.published else None
    return {"page": {**asdict(page), "published": published}}


def _answer(replies: Any, reply: dict[str, Any]) -> None:
    replies.write(json.dumps(reply, ensure_ascii=False).encode("utf-8", "replace") + b"\n")
    replies.flush()


def _cap_memory(memory: int) -> None:
    """Address space capped at what the child uses now plus `memory` (Linux; elsewhere the
    time budget still holds)."""
    try:
        import resource

        pages = int(Path("/proc/self/statm").read_text().split()[0])
        used = pages * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (used + memory, used + memory))
    except (ImportError, OSError, ValueError):
        pass


if __name__ == "__main__":
    serve(int(sys.argv[1]))
