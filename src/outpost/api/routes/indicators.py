"""/indicators: daily counts per series against their baselines, and what spikes."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from outpost.api.deps import ContextDep
from outpost.api.problems import ProblemError, documented
from outpost.api.schemas.indicators import (
    IndicatorsPublic,
    Kind,
    Measure,
    SpikesPublic,
    reading_public,
)
from outpost.services import indicators as service


def _iso_day(value: object) -> object:
    """A day written YYYY-MM-DD, nothing else: pydantic would read "0" as a Unix time."""
    if value is None or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise ValueError("a day is written YYYY-MM-DD")


Day = Annotated[
    date | None,
    Query(description="The day, YYYY-MM-DD (default: the latest counted)."),
    BeforeValidator(_iso_day),
]

router = APIRouter(
    prefix="/indicators", tags=["indicators"], responses=documented("unauthorized", "bad-query")
)


@router.get("", response_model=IndicatorsPublic)
def read_indicators(
    ctx: ContextDep, kind: Kind = "country", measure: Measure = "articles", day: Day = None
) -> IndicatorsPublic:
    """Every series of the kind on the day (default: the latest counted), most unusual first,
    with its history."""
    try:
        found = service.read_indicators(ctx, kind, day, measure)
    except ValueError as exc:
        raise ProblemError("bad-query", str(exc)) from None
    return IndicatorsPublic(
        kind=kind,
        measure=measure,
        day=found[0].day if found else day,
        series=[reading_public(r) for r in found],
    )


@router.get("/spikes", response_model=SpikesPublic)
def read_spikes(ctx: ContextDep, measure: Measure = "articles", day: Day = None) -> SpikesPublic:
    """The series of every kind that spike on the day (default: the latest counted)."""
    try:
        found = service.read_spikes(ctx, day, measure)
    except ValueError as exc:
        raise ProblemError("bad-query", str(exc)) from None
    return SpikesPublic(
        measure=measure,
        day=found[0].day if found else day,
        series=[reading_public(r) for r in found],
    )
