"""What every resource shares: a page of a list, and a problem (RFC 9457)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: its items, how many match in all, and the cursor of the next
    page (null on the last one)."""

    items: list[T]
    total: int = Field(
        ge=0, description="How many match in all: exact up to 10,000 (see total_exact)."
    )
    total_exact: bool = Field(
        description="False when more than `total` match: counting stops at 10,000."
    )
    next_cursor: str | None


class ProblemItem(BaseModel):
    """One of several problems of a request: a field (`location`) or a line of a rule file."""

    model_config = ConfigDict(extra="forbid")

    location: str | None = Field(None, description="query.limit, body.url, ...")
    line: int | None = Field(None, description="The line of the rule text, 1-based.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details. `type` is a stable URN, e.g. urn:outpost:problem:not-found."""

    type: str = Field(examples=["urn:outpost:problem:not-found"])
    title: str
    status: int
    detail: str
    instance: str | None = Field(None, description="The path of the request.")
    errors: list[ProblemItem] | None = Field(
        None, description="Every problem of a request that has several (validation, rules)."
    )


MAX_ID = 2**31 - 1  # the largest id an integer column holds (PostgreSQL's integer)

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    """A day only as YYYY-MM-DD: pydantic alone reads 0 or "0" as a Unix time (1970-01-01),
    which no one means by a day."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return value
    raise ValueError("a day as YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_iso_day)]  # a calendar day, YYYY-MM-DD
