"""`outpost serve --workers N`: N processes answer requests on one listening socket (bound
here, then shared by fork, as gunicorn does), while this process runs the watch loop once and
keeps the workers going.

One process answers one request's Python at a time; on a machine of several cores more of
them answer more at once. What must happen once per deployment stays here: the watch loop
(two would poll every feed twice). The store is migrated here before any worker opens it, so
no two migrate at once. Each worker runs the ingest jobs that its own requests start; jobs are
rows of the store, so any worker answers for any job, and a worker that dies leaves its job
to be marked interrupted by the next one that starts (services.jobs.recover).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from types import FrameType

from outpost.config import Settings

CRASH_WINDOW = 10.0  # seconds: a worker that dies this soon after starting "crashed early"
CRASHES = 3  # early deaths in a row after which the server gives up
STOP_WAIT = 30.0  # seconds the workers have to finish what is under way


class BindError(OSError):
    """The address cannot be listened on; the message says why."""


def listening(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, to be shared by the workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BindError(exc.strerror or str(exc)) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(sock: socket.socket, settings: Settings) -> None:
    """The child's whole life: the app on the shared socket until SIGTERM or SIGINT (uvicorn
    takes both), then out without running the parent's cleanup."""
    status = 0
    try:
        import uvicorn

        from outpost.api.app import create_app

        config = uvicorn.Config(create_app(settings), log_level="info", lifespan="on")
        uvicorn.Server(config).run(sockets=[sock])
    except SystemExit as exc:  # uvicorn's own, when it cannot start (it has said why)
        status = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # whatever else ends a worker is printed, then it exits
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


@dataclass
class Pool:
    """The workers: pid -> when it started."""

    sock: socket.socket
    settings: Settings
    size: int
    started: dict[int, float] = field(default_factory=dict)
    early: int = 0  # early deaths in a row

    def fill(self) -> None:
        while len(self.started) < self.size:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _worker(self.sock, self.settings)
            self.started[pid] = time.monotonic()

    def reap(self) -> list[tuple[int, int]]:
        """The workers that ended since the last look: (pid, exit status)."""
        ended = []
        for pid in list(self.started):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                began = self.started.pop(pid)
                early = time.monotonic() - began < CRASH_WINDOW
                self.early = self.early + 1 if early else 0
                ended.append((pid, os.waitstatus_to_exitcode(status)))
        return ended

    def stop(self) -> None:
        """SIGTERM to each, then wait; one still running after STOP_WAIT is killed."""
        for pid in self.started:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        while self.started and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.1)
        for pid in self.started:
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        self.started.clear()


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just ended
        os.kill(pid, signum)


def supervise(pool: Pool) -> bool:
    """Keep the pool full until SIGINT or SIGTERM; False when workers kept dying at start
    (CRASHES in a row: a broken store or settings), after which the rest are stopped."""
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    healthy = True
    pool.fill()
    while not stopping.wait(0.5):
        for pid, status in pool.reap():
            print(f"outpost: worker {pid} ended (status {status})", file=sys.stderr)
        if pool.early >= CRASHES:
            print(f"outpost: {CRASHES} workers ended as they started; stopping", file=sys.stderr)
            healthy = False
            break
        pool.fill()
    pool.stop()
    return healthy
