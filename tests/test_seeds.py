"""The seed articles through the whole pipeline, against the readable expectations in
tests/expected/seeds.yaml."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest
import yaml

from outpost.analyze.pipeline import analyze
from outpost.records import Doc
from tests.conftest import EXAMPLES, ROOT

EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (ROOT / "tests" / "expected" / "seeds.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def analysed() -> dict[str, Doc]:
    docs = {}
    for name, expected in EXPECTED.items():
        text = (EXAMPLES / f"{name}.txt").read_text(encoding="utf-8")
        published = expected["published"]
        if not isinstance(published, datetime):
            published = datetime.fromisoformat(str(published))
        docs[name] = analyze(text, published=published, id=name)
    return docs


@pytest.mark.parametrize("name", list(EXPECTED))
def test_language_and_linked_actors(analysed: dict[str, Doc], name: str) -> None:
    doc, expected = analysed[name], EXPECTED[name]
    linked = {m.kb_id for m in doc.mentions if m.kb_id}
    assert doc.lang == expected["lang"]
    assert set(expected["actors"]) <= linked
    assert set(expected["organisations"]) <= linked
    assert set(expected["countries"]) <= linked
    for m in doc.mentions:
        assert doc.text[m.start : m.end] == m.text


@pytest.mark.parametrize("name", list(EXPECTED))
def test_dates_with_their_roles(analysed: dict[str, Doc], name: str) -> None:
    found = {(d.text, d.value, d.role) for d in analysed[name].dates}
    for date in EXPECTED[name]["dates"]:
        assert (date["text"], str(date["value"]), date["role"]) in found


@pytest.mark.parametrize("name", list(EXPECTED))
def test_threat_domains_with_evidence(analysed: dict[str, Doc], name: str) -> None:
    doc = analysed[name]
    domains = {t.domain for t in doc.threats}
    assert set(EXPECTED[name]["threats"]) <= domains
    for threat in doc.threats:
        assert doc.text[threat.start : threat.end] == threat.evidence


def test_focus_place_of_the_dushanbe_summit(analysed: dict[str, Doc]) -> None:
    expected = EXPECTED["000_f376804d84136853"]["focus"]
    focus = analysed["000_f376804d84136853"].focus
    if focus is None:
        pytest.fail("no focus place")
    assert (focus.name, focus.country) == (expected["name"], expected["country"])
    assert math.isclose(focus.lat, expected["lat"], abs_tol=0.1)
    assert math.isclose(focus.lon, expected["lon"], abs_tol=0.1)
