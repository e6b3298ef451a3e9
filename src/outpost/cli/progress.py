"""The one progress helper: a Rich bar on standard error (standard output carries tables and
JSON) for any service that reports progress (outpost.services.progress.Progress)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from outpost.cli.output import err


class Bar:
    """A Rich task that a service starts and advances."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.task = progress.add_task(label, total=None)

    def start(self, total: int | None) -> None:
        self.progress.update(self.task, total=total)

    def advance(self, steps: int = 1) -> None:
        self.progress.advance(self.task, steps)


@contextmanager
def bar(label: str, *, transient: bool = True) -> Iterator[Bar]:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=transient) as progress:
        yield Bar(progress, label)
