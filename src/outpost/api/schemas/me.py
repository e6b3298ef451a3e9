"""Who the API token acts for, as GET /me shows it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from outpost.records import Principal


class MePublic(BaseModel):
    id: str = Field(description="The principal: user:NAME for a person, else the token's owner.")
    name: str = Field(description="The name to show.")
    username: str | None = Field(description="The person's username; null for a token of no one.")
    org: str | None = Field(description="The code of the person's organisation.")
    role: str | None = Field(description="viewer, analyst, coordinator or administrator.")


def me_public(who: Principal) -> MePublic:
    person = who.id.removeprefix("user:") if who.user is not None else None
    return MePublic(id=who.id, name=who.name, username=person, org=who.org, role=who.role)
