"""/api/v1/indicators on SQLite and PostgreSQL: what an empty store says, and the errors of a
request (the series of a real analysed stream are read in tests/test_api_jobs.py, after a job
has run the pipeline on it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import get_args

import pytest

from outpost.api.schemas.indicators import Kind, Measure
from outpost.config import Settings
from outpost.services.indicators import MEASURES
from outpost.warn.indicators import KINDS
from tests.test_api_auth import Api, problem, running_api


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from running_api(settings)


def test_the_documented_choices_are_the_services_ones() -> None:
    assert get_args(Kind) == KINDS and get_args(Measure) == MEASURES


def test_an_empty_store_has_no_series_and_no_day(api: Api) -> None:
    assert api.get("/indicators").json() == {
        "kind": "country",
        "measure": "articles",
        "day": None,
        "series": [],
    }
    answer = api.get(
        "/indicators", params={"kind": "domain", "measure": "events", "day": "2025-03-01"}
    )
    assert answer.json()["day"] == "2025-03-01" and answer.json()["series"] == []
    assert api.get("/indicators/spikes").json() == {
        "measure": "articles",
        "day": None,
        "series": [],
    }


@pytest.mark.parametrize(
    ("path", "params", "status", "kind"),
    [
        ("/indicators", {"kind": "planet"}, 422, "validation"),
        ("/indicators", {"measure": "tweets"}, 422, "validation"),
        ("/indicators", {"day": "2025-02-30"}, 422, "validation"),
        ("/indicators", {"day": "0"}, 422, "validation"),  # not a Unix time
        ("/indicators/spikes", {"day": "1700000000"}, 422, "validation"),
        ("/indicators", {"day": "2025-03-01T00:00"}, 422, "validation"),
        ("/indicators", {"day": "0001-01-01"}, 400, "bad-query"),
        ("/indicators/spikes", {"day": "9999-12-31"}, 400, "bad-query"),
        ("/indicators/spikes", {"kind": "country"}, 422, "validation"),
    ],
)
def test_indicator_errors_are_problems(
    api: Api, path: str, params: dict[str, str], status: int, kind: str
) -> None:
    problem(api.get(path, params=params), status, kind)
