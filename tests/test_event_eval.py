"""The events scorer and the labelled set it reads (benchmarks/events)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outpost.analyze.event_words import cued
from outpost.analyze.events import roles
from outpost.evaluate.events import Counts, Gold, Party, match, read_set, same_party, scores, tally
from outpost.records import Event, Label, Place

LABELLED = Path(__file__).resolve().parents[1] / "benchmarks" / "events" / "labelled.jsonl"
TYPES = Path(__file__).resolve().parents[1] / "src" / "outpost" / "kb" / "event_types.yaml"


def event(start: int, end: int, type: str = "ATTACK", **kw: object) -> Event:
    return Event(type=type, score=0.9, evidence="x", start=start, end=end, **kw)  # type: ignore[arg-type]


def gold(start: int, end: int, type: str = "ATTACK", **kw: object) -> Gold:
    values: dict[str, object] = {"actors": (), "targets": (), "country": None, "date": None}
    values.update(kw)
    return Gold(start, end, type, **values)  # type: ignore[arg-type]


def test_every_labelled_sentence_is_where_its_offsets_say() -> None:
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for labelled in item["events"]:
            assert item["text"][labelled["start"] : labelled["end"]] == labelled["sentence"]
            assert f"name: {labelled['type']}\n" in TYPES.read_text(encoding="utf-8")
    docs, labels = read_set(LABELLED)
    assert len(docs) == len(labels) >= 40 and sum(map(len, labels)) >= 150


def test_a_sentence_matches_once_and_only_by_more_than_half() -> None:
    found = [event(0, 100), event(90, 200), event(300, 340)]
    labelled = [gold(0, 98), gold(95, 200), gold(320, 400)]
    pairs = match(found, labelled)
    assert sorted((e.start, g.start) for e, g in pairs) == [(0, 0), (90, 95)]
    # 300-340 shares 20 characters with 320-400: half of the shorter, not more
    assert match([event(300, 340)], [gold(320, 400)]) == []


def test_parties_match_by_kb_id_or_by_name_when_unlinked() -> None:
    assert same_party("person:putin", Party("Vladimir Putin", "person:putin"))
    assert not same_party("person:putin", Party("Vladimir Putin", None))
    assert same_party("al-Shabab", Party("al-Shabab", None))
    assert not same_party("Shabab", Party("al-Shabab", None))


def test_scores_count_both_kinds_of_error() -> None:
    counts = Counts()
    putin = Party("Vladimir Putin", "person:putin")
    place = Place("Kabul", 0, 5, "Kabul", 34.5, 69.2, "AF", None, 1138958, "city", 0.9)
    found = [
        event(
            0, 50, "MEETING", actors=("person:putin", "org:csto"), place=place, date="2021-09-16"
        ),
        event(60, 90, "ATTACK"),  # nothing labelled there: a false alarm
    ]
    labelled = [
        gold(0, 50, "MEETING", actors=(putin,), country="AF", date="2021-09-15"),
        gold(100, 150, "ARREST"),  # missed
    ]
    tally(counts, found, labelled)
    result = scores(counts)
    assert result["precision"] == result["recall"] == 0.5
    assert result["type_accuracy"] == 1.0
    assert result["party_f1"] == pytest.approx(2 * 0.5 * 1.0 / 1.5)
    assert result["place_accuracy"] == 1.0 and result["date_accuracy"] == 0.0


def test_roles_joint_types_and_a_persons_own_state() -> None:
    # "Russian President Vladimir Putin met Erdogan": two actors, Russia no third party
    actors, targets = roles("MEETING", ("country:RU", "person:putin"), ("person:erdogan",))
    assert actors == ("person:putin", "person:erdogan") and targets == ()
    actors, targets = roles("ATTACK", ("group:taliban",), ("country:AF", "Kabul police"))
    assert actors == ("group:taliban",) and targets == ("country:AF", "Kabul police")


def test_a_word_that_names_the_kind_of_event_tips_a_close_call() -> None:
    ranked = (Label("ATTACK", 0.3), Label("ARREST", 0.25), Label("DIPLO", 0.1))
    tipped = cued("Police arrested three men after the attack.", ranked)
    assert tipped[0].label == "ARREST" and tipped[0].score > 0.25
    assert sum(label.score for label in tipped) <= 1.0
    # no cue: the ranking as it was
    assert cued("Three men were seen near the market.", ranked) == ranked


def test_a_trigger_span_is_true_after_a_letter_whose_lower_case_is_longer() -> None:
    from outpost import analyze

    text = "Kabul İİİ the militants attacked a border post near Ishkashim on Monday."
    doc = analyze(text, lang="en")
    assert doc.events, "the sentence reports an attack"
    assert doc.events[0].trigger == "attacked"  # not "acked a ": three letters off
