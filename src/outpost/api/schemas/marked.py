"""What every marked item shows and takes: its marking, owner and names; a marking change;
a change of names."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from outpost.records import Sharing

MARKING = "A TLP 2.0 marking: TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED."
MAX_NAMES = 100


class SharingPublic(BaseModel):
    marking: str = Field(description=MARKING)
    owner_org: str = Field(description="The code of the organisation that owns the item.")
    orgs: list[str] = Field(description="Organisations named on the item (AMBER).")
    people: list[str] = Field(description="People named on the item (RED), by username.")


class MarkingChange(BaseModel):
    """Tighten (anyone who sees the item) or loosen (a coordinator of its owner) a marking."""

    model_config = ConfigDict(extra="forbid")

    marking: str = Field(max_length=40, description=MARKING)


class ShareChange(BaseModel):
    """Name organisations (codes) and people (usernames) on the item, or remove them."""

    model_config = ConfigDict(extra="forbid")

    orgs: list[str] = Field(default_factory=list, max_length=MAX_NAMES)
    people: list[str] = Field(default_factory=list, max_length=MAX_NAMES)
    remove: bool = False


def sharing_public(s: Sharing) -> SharingPublic:
    return SharingPublic(
        marking=s.marking, owner_org=s.owner_org, orgs=list(s.orgs), people=list(s.people)
    )
