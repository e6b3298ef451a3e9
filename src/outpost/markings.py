"""TLP 2.0, the access rule: the five markings, most restrictive wins.

A pure value (layer 0): the store, the services and the exporters all speak it. The STIX
marking-definition objects that carry it in a bundle live in `outpost.export.tlp`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class TLP(enum.StrEnum):
    """The Traffic Light Protocol 2.0 markings, least restrictive first (their order is the
    order of restriction: CLEAR < GREEN < AMBER < AMBER+STRICT < RED)."""

    CLEAR = "TLP:CLEAR"  # anyone
    GREEN = "TLP:GREEN"  # every organisation of the alliance
    AMBER = "TLP:AMBER"  # the organisations named on the item
    AMBER_STRICT = "TLP:AMBER+STRICT"  # the owner organisation only
    RED = "TLP:RED"  # the named people only

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    @property
    def word(self) -> str:
        """The lower-case word after 'TLP:' ('amber+strict'), as STIX and MISP tags write it."""
        return self.value.removeprefix("TLP:").lower()

    def __lt__(self, other: object) -> bool:  # ordered by restriction, not alphabetically
        if not isinstance(other, TLP):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, TLP):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, TLP):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, TLP):
            return NotImplemented
        return self.rank >= other.rank


_ORDER = tuple(TLP)

# Who GREEN reaches: the organisations of the alliance (its centre and its member states),
# not partners. Who the other markings reach is in outpost.respond.visibility.
ALLIANCE = ("centre", "member")
# What people write is marked so until they choose (what the machine derives is CLEAR).
WRITTEN = TLP.AMBER_STRICT


class MarkingError(ValueError):
    """A text that is not one of the five TLP 2.0 markings."""


def parse_tlp(text: str) -> TLP:
    """'TLP:AMBER+STRICT', 'amber+strict', ' tlp:Clear ' -> TLP; anything else is refused by
    name. TLP 1.0's WHITE is refused too: TLP 2.0 renamed it, and guessing is not ours."""
    word = text.strip().upper().removeprefix("TLP:").strip()
    for marking in TLP:
        if marking.value == f"TLP:{word}":
            return marking
    choices = ", ".join(m.value for m in TLP)
    raise MarkingError(f"not a TLP 2.0 marking: {text!r} (one of {choices})")


def strictest(markings: Iterable[TLP]) -> TLP:
    """The most restrictive of the markings (CLEAR for none: nothing restricts)."""
    return max(markings, default=TLP.CLEAR)
