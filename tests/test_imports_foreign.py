"""What another tool sends, on SQLite and PostgreSQL: a partner's STIX bundle of objects that
are no Outpost record (a report, a threat actor, an indicator, an observable, a relationship,
a note, its own identity and a statement marking) is kept object by object with its markings,
re-imported without change, exported again as it came under TLP 2.0 markings, and only to
whom those markings allow (an object that refers to one hidden from the viewer is left out);
a MISP event's report is read back, and MISP items join STIX exports converted (a grouping,
an indicator for a detectable attribute, notes), validated strictly."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

from outpost.export.stix_received import arrivals
from outpost.export.tlp import MARKING_IDS
from outpost.markings import TLP
from outpost.records import Received
from outpost.services.context import Context
from outpost.services.exports import export_selection, write_export
from outpost.services.imports import import_bytes
from outpost.services.paging import Filters
from outpost.store import imported as imported_store
from tests.lists_store import dialects
from tests.test_imports import _store, as_

Obj = dict[str, Any]
PARTNER = "identity--5a1f0b9e-8a43-4d3e-9b7a-2c6f1e0d4b11"
STATEMENT = "marking-definition--0c8e5f4a-7d2b-4c1e-9a3f-6b5d4e3c2a10"
AMBER_1 = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"  # TLP 1.0
ACTOR = "threat-actor--3f6c2d1e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
INDICATOR = "indicator--7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"
ADDRESS = "ipv4-addr--a1b2c3d4-e5f6-5a7b-8c9d-0e1f2a3b4c5d"
REPORT = "report--c0ffee00-1234-4abc-9def-0123456789ab"
LINK = "relationship--d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a"
NOTE = "note--e2f3a4b5-c6d7-4e8f-9a0b-1c2d3e4f5a6b"
WHEN = "2021-09-10T08:00:00.000Z"
STRICT = {"version": "2.1", "strict": True, "strict_types": True, "strict_properties": True,
          "enforce_refs": True}  # fmt: skip
EXPLAINED = ["uuid-check", "extref-hashes"]  # as tests/test_export_stix.py explains them


def _sdo(kind: str, ident: str, marks: list[str], **rest: Any) -> Obj:
    made = {
        "type": kind, "spec_version": "2.1", "id": ident, "created": WHEN, "modified": WHEN,
        "created_by_ref": PARTNER, **rest,
    }  # fmt: skip
    return made | {"object_marking_refs": marks} if marks else made  # none: unmarked


def partner_bundle() -> Obj:
    """What a partner's OpenCTI might send: no object carries Outpost's extension."""
    clear, green, red = (MARKING_IDS[t] for t in (TLP.CLEAR, TLP.GREEN, TLP.RED))
    objects = [
        {"type": "identity", "spec_version": "2.1", "id": PARTNER, "created": WHEN,
         "modified": WHEN, "name": "Partner CERT", "identity_class": "organization",
         "object_marking_refs": [clear]},
        {"type": "marking-definition", "spec_version": "2.1", "id": STATEMENT, "created": WHEN,
         "definition_type": "statement", "definition": {"statement": "Copyright Partner CERT"}},
        _sdo("threat-actor", ACTOR, [AMBER_1, STATEMENT], name="Islamic State Khorasan",
             threat_actor_types=["terrorist"]),
        _sdo("indicator", INDICATOR, [green], name="C2 address",
             pattern="[ipv4-addr:value = '203.0.113.5']", pattern_type="stix",
             valid_from=WHEN),
        {"type": "ipv4-addr", "spec_version": "2.1", "id": ADDRESS, "value": "203.0.113.5"},
        _sdo("report", REPORT, [clear], name="Incursion near Panj", published=WHEN,
             report_types=["threat-report"], object_refs=[ACTOR, INDICATOR]),
        _sdo("relationship", LINK, [red], relationship_type="indicates",
             source_ref=INDICATOR, target_ref=ACTOR),
        _sdo("note", NOTE, [], content="Seen again on 9 September.", object_refs=[ACTOR]),
    ]  # fmt: skip
    return {"type": "bundle", "id": "bundle--0f1e2d3c-4b5a-4968-8776-655443322110",
            "objects": objects}  # fmt: skip


SENT = [o["id"] for o in partner_bundle()["objects"]]


def list_received(ctx: Context) -> list[Received]:
    """Every imported object the principal may see, oldest first."""
    with ctx.engine.connect() as conn:
        return imported_store.seen(conn, ctx.who)


@pytest.fixture(params=dialects())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    """An empty Outpost that imported the partner's bundle (as m1's analyst)."""
    for ctx in _store(str(request.param), tmp_path):
        data = json.dumps(partner_bundle()).encode()
        report = import_bytes(as_(ctx, "m1-analyst"), "partner.json", data)
        assert (report.added, report.refused, report.skipped) == (len(SENT), (), ())
        yield ctx


def exported(ctx: Context, who: str, tmp_path: Path) -> Obj:
    out = tmp_path / f"{who}.json"
    write_export(as_(ctx, who), "stix", Filters(), out)
    data: Obj = json.loads(out.read_text(encoding="utf-8"))
    return data


def by_id(bundle: Obj) -> dict[str, Obj]:
    return {o["id"]: o for o in bundle["objects"]}


def test_each_object_is_kept_with_its_marking_and_a_re_import_changes_nothing(
    store: Context,
) -> None:
    analyst = as_(store, "m1-analyst")
    kept = {r.key: r for r in list_received(analyst)}
    assert kept.keys() == set(SENT)
    assert {r.kind for r in kept.values()} == {"stix"}
    markings = {k: r.marking for k, r in kept.items()}
    assert markings[ACTOR] is TLP.AMBER  # TLP 1.0 AMBER read as 2.0
    assert markings[INDICATOR] is TLP.GREEN and markings[LINK] is TLP.RED
    assert markings[ADDRESS] is TLP.AMBER_STRICT and markings[NOTE] is TLP.AMBER_STRICT
    assert kept[REPORT].record == by_id(partner_bundle())[REPORT]  # as it came
    again = import_bytes(analyst, "partner.json", json.dumps(partner_bundle()).encode())
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(SENT))
    newer = partner_bundle()
    by_id(newer)[ACTOR] |= {"modified": "2021-09-12T08:00:00.000Z", "aliases": ["IS-K"]}
    third = import_bytes(analyst, "partner-2.json", json.dumps(newer).encode())
    assert (third.added, third.updated) == (0, 1)


def test_they_are_exported_again_as_they_came_under_tlp_2_markings(
    store: Context, tmp_path: Path
) -> None:
    bundle = exported(store, "m1-analyst", tmp_path)  # the importer: sees even the RED one
    found = by_id(bundle)
    sent = by_id(partner_bundle())
    assert set(SENT) <= found.keys()
    assert found[ACTOR]["object_marking_refs"] == [MARKING_IDS[TLP.AMBER], STATEMENT]
    assert found[ADDRESS]["object_marking_refs"] == [MARKING_IDS[TLP.AMBER_STRICT]]
    for ident in SENT:
        mine = {k: v for k, v in found[ident].items() if k != "object_marking_refs"}
        assert mine == {k: v for k, v in sent[ident].items() if k != "object_marking_refs"}
    assert AMBER_1 not in json.dumps(bundle)  # TLP 1.0 is not exported again
    text = json.dumps(bundle)  # the partner's SHOULDs are the partner's: its MUSTs are checked
    result = validate_string(text, ValidationOptions(version="2.1", enforce_refs=True))
    assert result.is_valid, [e.message for e in result.errors]
    assert len(stix2.parse(text, allow_custom=False).objects) == len(bundle["objects"])


def test_only_whom_the_markings_allow_get_them_and_nothing_refers_to_a_hidden_one(
    store: Context, tmp_path: Path
) -> None:
    def ids(who: str) -> set[str]:
        return set(by_id(exported(store, who, tmp_path))) & set(SENT)

    everything = set(SENT)
    assert ids("m1-viewer") == everything - {LINK}  # RED names the importer only
    # another member state: the alliance's GREEN and the CLEAR identity; the CLEAR report is
    # left out, as it refers to the AMBER threat actor it may not see
    assert ids("m2-analyst") == {PARTNER, INDICATOR}
    assert ids("p1-analyst") == {PARTNER}  # a partner: CLEAR only
    seen = export_selection(as_(store, "m2-analyst"), Filters(country="TJ"))
    assert seen.foreign == ()  # with a filter, objects no filter reads stay out


MISP_EVENT = {
    "Event": {
        "uuid": "5e7b0e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "info": "Border incident",
        "date": "2021-09-01", "analysis": "2", "threat_level_id": "2", "published": False,
        "timestamp": "1630454400", "Tag": [{"name": "tlp:green"}],
        "Orgc": {"name": "KZ CERT", "uuid": "11111111-2222-4333-8444-555555555555"},
        "Attribute": [
            {"uuid": "6e7b0e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "type": "ip-dst",
             "category": "Network activity", "value": "203.0.113.5", "to_ids": True,
             "timestamp": "1630454400"},
            {"uuid": "7e7b0e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "type": "text", "category": "Other",
             "value": "Crossed at night", "to_ids": False, "timestamp": "1630454400"},
        ],
        "Object": [
            {"name": "domain-ip", "uuid": "9e7b0e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
             "timestamp": "1630454400", "distribution": "5",
             "Attribute": [{"object_relation": "domain", "type": "domain", "value": "a.example",
                            "uuid": "ae7b0e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                            "category": "Network activity"}]},
        ],
        "EventReport": [
            {"uuid": "8e7b0e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "name": "Situation report",
             "content": "# Panj\nFour men crossed the river.", "timestamp": "1630454400",
             "distribution": "5"},
        ],
    }
}  # fmt: skip
ATTRIBUTE, TEXT, OBJECT, REPORTED = (
    f"{kind}--{u}-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    for kind, u in (
        ("indicator", "6e7b0e3a"), ("note", "7e7b0e3a"), ("note", "9e7b0e3a"), ("note", "8e7b0e3a")
    )
)  # fmt: skip


def test_a_misp_events_report_is_read_back_and_misp_items_join_stix_converted(
    store: Context, tmp_path: Path
) -> None:
    analyst = as_(store, "m1-analyst")
    report = import_bytes(analyst, "event.json", json.dumps(MISP_EVENT).encode())
    assert (report.added, report.refused) == (5, ())  # event, 2 attributes, object, report
    uuid, [sent] = MISP_EVENT["Event"]["uuid"], MISP_EVENT["Event"]["EventReport"]
    write_export(analyst, "misp-feed", Filters(), tmp_path / "feed")
    again = json.loads((tmp_path / "feed" / f"{uuid}.json").read_text(encoding="utf-8"))
    [written] = again["Event"]["EventReport"]  # the event as it came, with its report
    assert {k: written[k] for k in ("uuid", "name", "content")} == {
        k: sent[k] for k in ("uuid", "name", "content")
    }
    write_export(analyst, "misp", Filters(), tmp_path / "one.json")
    one = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))
    assert [r["uuid"] for r in one["EventReport"]] == [sent["uuid"]]  # the one event holds it

    bundle = exported(store, "m2-analyst", tmp_path)  # another member state: GREEN reaches it
    found = by_id(bundle)
    grouping = found[f"grouping--{uuid}"]
    assert found[ATTRIBUTE]["pattern"] == "[ipv4-addr:value = '203.0.113.5']"
    assert {found[i]["abstract"] for i in (TEXT, REPORTED)} == {"Other / text", "Situation report"}
    assert found[OBJECT]["content"] == "domain: a.example"
    assert set(grouping["object_refs"]) == {ATTRIBUTE, TEXT, OBJECT, REPORTED}
    creator = found["identity--11111111-2222-4333-8444-555555555555"]
    assert creator["name"] == "KZ CERT" and grouping["created_by_ref"] == creator["id"]
    green = MARKING_IDS[TLP.GREEN]
    assert all(found[i]["object_marking_refs"] == [green] for i in (grouping["id"], creator["id"]))
    converted = {grouping["id"], creator["id"], *grouping["object_refs"]}
    mine = {  # what the MISP event became, validated strictly, with its markings
        "type": "bundle", "id": bundle["id"],
        "objects": [
            o for i, o in found.items() if i in converted or o["type"] == "marking-definition"
        ],
    }  # fmt: skip
    text = json.dumps(mine)
    result = validate_string(text, ValidationOptions(**STRICT, disabled=EXPLAINED))
    assert result.is_valid, [e.message for e in result.errors]
    assert stix2.parse(json.dumps(bundle), allow_custom=False)
    assert "misp" not in json.dumps(by_id(exported(store, "p1-analyst", tmp_path)))  # GREEN


def test_a_taxii_server_dates_what_partners_sent_by_when_it_came(store: Context) -> None:
    sel = export_selection(as_(store, "m1-analyst"), Filters())
    came = arrivals(sel)
    kept = {r.key: r.imported for r in list_received(as_(store, "m1-analyst"))}
    assert {i: came[i] for i in SENT} == {i: kept[i] for i in SENT}
    assert copy.deepcopy(came) == came


def test_an_object_whose_id_the_store_cannot_keep_is_refused_and_the_others_land(
    store: Context,
) -> None:
    """A custom type's name may be 250 characters; the store keeps ids of 120 (before, the
    whole import failed on PostgreSQL)."""
    sent = partner_bundle()
    long_id = f"x-{'a' * 120}--0f1e2d3c-4b5a-4968-8776-655443322110"
    sent["objects"].append({"type": long_id.split("--")[0], "spec_version": "2.1", "id": long_id})
    report = import_bytes(as_(store, "m1-analyst"), "long.json", json.dumps(sent).encode())
    assert (report.added, report.unchanged) == (0, len(SENT))
    assert report.refused == ((long_id, "an id longer than 120 characters is not kept"),)
