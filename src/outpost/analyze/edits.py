"""Text edits that keep a map back to the original offsets.

Cleaning deletes, inserts and replaces characters; every later stage reads the cleaned text,
and every fact it reports must point into the text exactly as given. `Edits` collects the
changes, and `apply` builds the new text with, for each of its characters, the index of the
original character it came from (inserted characters point at the next original one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Edited:
    text: str
    offsets: tuple[int, ...]  # len(text) + 1 entries; the last is len(original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the cleaned span [start, end)."""
        return original_span(self.offsets, start, end)


def original_span(offsets: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Original offsets of the cleaned span [start, end), given the clean-to-original map
    (an empty map means the text was not cleaned: the offsets are already the original's)."""
    if not offsets:
        return start, end
    if end <= start:
        return offsets[start], offsets[start]
    return offsets[start], offsets[end - 1] + 1


@dataclass
class Edits:
    """Edits of one text. Where two overlap, the one starting first wins (the longer one when
    they start together), so a deleted paragraph swallows the small fixes inside it."""

    original: str
    _edits: list[tuple[int, int, str]] = field(default_factory=list)

    def replace(self, start: int, end: int, new: str) -> None:
        self._edits.append((start, end, new))

    def delete(self, start: int, end: int) -> None:
        self.replace(start, end, "")

    def insert(self, at: int, new: str) -> None:
        self.replace(at, at, new)

    def apply(self) -> Edited:
        parts: list[str] = []
        offsets: list[int] = []
        cursor = 0
        for start, end, new in sorted(self._edits, key=lambda e: (e[0], -e[1])):
            if start < cursor:
                continue
            parts.append(self.original[cursor:start])
            offsets.extend(range(cursor, start))
            parts.append(new)
            if len(new) == end - start:  # same length: one to one
                offsets.extend(range(start, end))
            else:
                offsets.extend([start] * len(new))
            cursor = end
        parts.append(self.original[cursor:])
        offsets.extend(range(cursor, len(self.original)))
        offsets.append(len(self.original))
        return Edited("".join(parts), tuple(offsets))
