"""Feeds as the API lists and adds them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from outpost.services.sources import MAX_INTERVAL, MAX_URL, MIN_INTERVAL, FeedInfo


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=MAX_URL, description="An http(s) feed URL.")
    interval: float = Field(
        300.0, ge=MIN_INTERVAL, le=MAX_INTERVAL, description="Seconds between polls."
    )


class FeedPublic(BaseModel):
    id: str = Field(description="The feed's id (sha256 of its URL).")
    url: str
    origin: Literal["settings", "api"] = Field(
        description="settings: from the settings file (removed there); api: added here."
    )
    interval: float | None = Field(description="Seconds between polls.")
    added_by: str | None
    added: datetime | None
    last_fetch: datetime | None
    last_status: int | None = Field(description="The HTTP status of the last fetch.")
    retry_after: datetime | None = Field(
        description="Not fetched before this: the server asked (Retry-After)."
    )
    last_error: str | None = Field(description="Why it last failed, until it succeeds again.")
    failures: int = Field(description="Failed fetches since it last succeeded.")
    entries_seen: int


def feed_public(found: FeedInfo) -> FeedPublic:
    row = found.row
    return FeedPublic(
        id=row.key,
        url=row.url,
        origin=cast(Literal["settings", "api"], found.origin),
        interval=row.interval,
        added_by=row.added_by,
        added=row.added,
        last_fetch=row.checked,
        last_status=row.status,
        retry_after=row.retry_after,
        last_error=row.last_error,
        failures=row.failures,
        entries_seen=row.entries,
    )
