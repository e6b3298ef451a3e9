"""Indicator series as the API shows them: a day's count against its baseline."""

from __future__ import annotations

from datetime import date
from typing import Literal, cast

from pydantic import BaseModel, Field

from outpost.records import Reading

Kind = Literal["country", "admin1", "domain", "event_type"]  # warn.indicators.KINDS
Measure = Literal["articles", "events"]  # services.indicators.MEASURES


class ReadingPublic(BaseModel):
    kind: Kind
    key: str = Field(description="The country, division, domain or event type.")
    day: date
    observed: int
    expected: float = Field(description="What the baseline leads one to expect that day.")
    one_in_days: float = Field(description="How rare a day at least this busy is.")
    score: float = Field(description="log10(one_in_days); 2 is 1 in 100 days.")
    history: list[int] = Field(description="The days before, oldest first.")
    spike: bool


class IndicatorsPublic(BaseModel):
    kind: Kind
    measure: Measure
    day: date | None = Field(description="The day read (null: nothing counted yet).")
    series: list[ReadingPublic] = Field(description="Most unusual first.")


class SpikesPublic(BaseModel):
    measure: Measure
    day: date | None
    series: list[ReadingPublic]


def reading_public(r: Reading) -> ReadingPublic:
    return ReadingPublic(
        kind=cast(Kind, r.kind),
        key=r.key,
        day=r.day,
        observed=r.observed,
        expected=r.expected,
        one_in_days=r.one_in_days,
        score=r.score,
        history=list(r.history),
        spike=r.spike,
    )
