"""How long work reports its progress: the CLI shows a Rich bar, the API a job's counts."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, total: int | None) -> None:
        """The number of steps, once known (None: unknown)."""

    def advance(self, steps: int = 1) -> None: ...


class Quiet:
    """No progress shown (the watch loop, tests)."""

    def start(self, total: int | None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass
