"""API tokens as the API shows them: never a secret, except once, to whoever made it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from outpost.records import ApiToken


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="What the token is for.")


class TokenPublic(BaseModel):
    id: int
    name: str
    owner: str = Field(description="The principal the token acts for.")
    prefix: str = Field(description="The token's first 8 characters, to tell it apart.")
    created: datetime
    last_used: datetime | None = Field(description="To the minute.")
    revoked: datetime | None


class TokenCreated(TokenPublic):
    secret: str = Field(description="The token itself: shown this once, stored nowhere.")


def token_public(t: ApiToken) -> TokenPublic:
    return TokenPublic(
        id=t.id,
        name=t.name,
        owner=t.owner,
        prefix=t.prefix,
        created=t.created,
        last_used=t.last_used,
        revoked=t.revoked,
    )


def token_created(t: ApiToken, secret: str) -> TokenCreated:
    return TokenCreated(**token_public(t).model_dump(), secret=secret)
