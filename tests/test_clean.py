"""The clean stage: repairs and drops, and offsets that always point into the input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from outpost.analyze.clean import clean
from tests.conftest import SHARED

SEED_000 = (SHARED / "seeds" / "000_f376804d84136853.txt").read_text(encoding="utf-8")


def test_seed_000_is_repaired_and_loses_its_teaser_and_trailer() -> None:
    result = clean(SEED_000, is_known_name=lambda w: w in {"Russia"})
    assert "Afghanistan, including the spread" in result.text
    assert "Putin said he had to go into self-isolation due to covid surrounded" not in result.text
    assert "Read together with it" not in result.text
    assert "Russia, Kazakhstan" in result.text  # "RUSSIA , Kazakhstan"
    assert "Alexander Lukashenko" in result.text
    assert "cases of coronavirus" in result.text
    assert "(CSTO)" in result.text  # acronyms stay


def test_offsets_point_at_the_same_characters() -> None:
    result = clean(SEED_000)
    for i, char in enumerate(result.text):
        original = SEED_000[result.offsets[i]]
        assert char.lower() == original.lower() or char == " "
    start = result.text.index("Lukashenko")
    first, last = result.span(start, start + len("Lukashenko"))
    assert SEED_000[first:last] == "LUKASHENKO"


def test_russian_caps_and_acronyms() -> None:
    text = "Лидеры ОДКБ встретились. ПРЕЗИДЕНТ РОССИИ выступил,отметив угрозы."
    result = clean(text)
    assert "ОДКБ" in result.text
    assert "Президент России" in result.text
    assert "выступил, отметив" in result.text


def test_urls_numbers_and_abbreviations_are_left_alone() -> None:
    text = "See voanews.com/a/1.html or 1,000 people in the U.S. on 16.09.2021,e.g."
    assert clean(text).text == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_offsets_are_monotonic_and_complete(text: str) -> None:
    result = clean(text)
    assert len(result.offsets) == len(result.text) + 1
    assert result.offsets[-1] == len(text)
    assert list(result.offsets) == sorted(result.offsets)
    assert all(0 <= o <= len(text) for o in result.offsets)
