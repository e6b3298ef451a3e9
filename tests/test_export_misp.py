"""MISP export on real analysed records: the event JSON loads back with pymisp, tags and
distributions follow the markings, and the feed folder's manifest and hashes match its files."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from pymisp import MISPEvent

from outpost.export.bundle import Selection, links
from outpost.export.formats import exporter
from outpost.export.misp import selection_event, story_events
from outpost.markings import TLP
from tests.export_data import analysed, marked

FEED_FILES = {"manifest.json", "hashes.csv"}


@pytest.fixture(scope="module")
def selection() -> Selection:
    return analysed()


def test_the_event_json_loads_back_with_pymisp(selection: Selection, tmp_path: Path) -> None:
    out = tmp_path / "event.json"
    exporter("misp").write(selection, out)
    loaded = MISPEvent()
    loaded.load(out.read_text(encoding="utf-8"))
    made = selection_event(selection)
    assert loaded.uuid == made.uuid
    assert [t.name for t in loaded.tags] == ["tlp:clear"]
    assert int(loaded.distribution) == 3
    texts = {a.value for a in loaded.attributes if a.type == "text"}
    assert {m.item.row.evidence for m in selection.events} <= texts
    actors = {a.value for a in loaded.attributes if a.type == "threat-actor"}
    assert "Taliban" in actors
    places = [o for o in loaded.objects if o.name == "geolocation"]
    assert len(places) == len(selection.places)
    assert all(
        len([a for a in o.attributes if a.object_relation == "latitude"]) == 1 for o in places
    )


def test_markings_set_tags_and_never_widen_distribution(selection: Selection) -> None:
    found = links(selection)
    story = next(m.item.id for m in selection.stories if found.story_events[m.item.id])
    red = found.story_events[story][0]
    sel = marked(selection, {f"event:{red}": TLP.RED})
    event = next(
        e
        for e in story_events(sel)
        if any(f"Outpost event {red};" in a.comment for a in e.attributes)
    )
    assert [t.name for t in event.tags] == ["tlp:red"]
    assert event.distribution == 0  # your organisation only
    for attribute in event.attributes:
        tags = [t.name for t in attribute.tags]
        assert len(tags) == 1 and tags[0].startswith("tlp:")
        if f"Outpost event {red};" in attribute.comment:
            assert tags == ["tlp:red"] and attribute.distribution == 0
        if tags == ["tlp:clear"]:
            assert attribute.distribution == 3
    strict = marked(selection, {f"story:{story}": TLP.AMBER_STRICT})
    held = next(
        e
        for e in story_events(strict)
        if e.info == next(m.item.title for m in selection.stories if m.item.id == story)
    )
    assert held.distribution == 0 and [t.name for t in held.tags] == ["tlp:amber+strict"]


def test_the_feed_folder_is_what_misp_reads(selection: Selection, tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    exporter("misp-feed").write(selection, folder)
    files = {p.name for p in folder.iterdir()}
    assert files >= FEED_FILES
    events = {}
    for name in files - FEED_FILES:
        loaded = MISPEvent()
        loaded.load(json.loads((folder / name).read_text(encoding="utf-8")))
        assert name == f"{loaded.uuid}.json"
        events[loaded.uuid] = loaded
    assert len(events) == len(story_events(selection))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == set(events)
    for uid, entry in manifest.items():
        event = events[uid]
        assert entry["info"] == event.info and entry["date"] == event.date.isoformat()
        assert entry["Orgc"]["name"] == "Crisis Response Centre"
        assert [t["name"] for t in entry["Tag"]] == [t.name for t in event.tags]
        assert entry["timestamp"] == int(event.timestamp.timestamp())
    with (folder / "hashes.csv").open(encoding="utf-8", newline="") as f:
        listed = sorted(tuple(row) for row in csv.reader(f))
    recomputed = sorted(
        (hashlib.md5(str(a.value).encode("utf-8")).hexdigest(), uid)  # MISP feeds hash with md5
        for uid, event in events.items()
        for a in [*event.attributes, *(oa for o in event.objects for oa in o.attributes)]
    )
    assert listed == recomputed and listed


def test_the_feed_keeps_each_events_distribution(selection: Selection, tmp_path: Path) -> None:
    found = links(selection)
    story = next(m.item.id for m in selection.stories if found.story_events[m.item.id])
    exporter("misp-feed").write(marked(selection, {f"story:{story}": TLP.RED}), tmp_path)
    distributions = sorted(
        json.loads(p.read_text(encoding="utf-8"))["Event"]["distribution"]
        for p in tmp_path.iterdir() if p.name not in FEED_FILES
    )  # fmt: skip
    assert distributions[0] == "0" and set(distributions) <= {"0", "3"}
