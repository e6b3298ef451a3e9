"""TLP 2.0: the order of the five markings, parsing them, and the official STIX objects."""

from __future__ import annotations

import json

import pytest
import stix2

from outpost.export.tlp import MARKING_IDS, marking_definition, marking_of
from outpost.markings import TLP, MarkingError, parse_tlp, strictest

# As published by OASIS in oasis-open/cti-stix-common-objects (objects/marking-definition and
# extension-definition-specifications/tlp-2.0/examples), written out here independently of
# the module under test.
OFFICIAL = {
    "clear": "94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TEMPLATE = """{
  "type": "marking-definition", "spec_version": "2.1",
  "id": "marking-definition--%s", "created": "2022-10-01T00:00:00.000Z", "name": "TLP:%s",
  "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                 {"extension_type": "property-extension", "tlp_2_0": "%s"}}
}"""


def test_markings_are_ordered_by_restriction() -> None:
    assert TLP.CLEAR < TLP.GREEN < TLP.AMBER < TLP.AMBER_STRICT < TLP.RED
    assert sorted([TLP.RED, TLP.CLEAR, TLP.AMBER_STRICT, TLP.GREEN, TLP.AMBER]) == list(TLP)
    assert not TLP.RED < TLP.AMBER  # alphabetically AMBER < RED; by restriction not
    assert TLP.GREEN > TLP.CLEAR and TLP.AMBER >= TLP.AMBER and TLP.GREEN <= TLP.AMBER


def test_the_most_restrictive_wins() -> None:
    assert strictest([TLP.GREEN, TLP.AMBER, TLP.CLEAR]) == TLP.AMBER
    assert strictest([TLP.AMBER, TLP.AMBER_STRICT]) == TLP.AMBER_STRICT
    assert strictest([TLP.RED, TLP.CLEAR]) == TLP.RED
    assert strictest([]) == TLP.CLEAR


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TLP:AMBER+STRICT", TLP.AMBER_STRICT),
        ("amber+strict", TLP.AMBER_STRICT),
        (" tlp:Clear ", TLP.CLEAR),
        ("GREEN", TLP.GREEN),
        ("tlp:red", TLP.RED),
        ("Amber", TLP.AMBER),
    ],
)
def test_markings_parse_from_text(text: str, expected: TLP) -> None:
    assert parse_tlp(text) == expected


@pytest.mark.parametrize("bad", ["TLP:WHITE", "amber-strict", "", "TLP:", "purple", "AMBER STRICT"])
def test_a_bad_marking_is_refused_by_name(bad: str) -> None:
    with pytest.raises(MarkingError, match=r"not a TLP 2\.0 marking") as raised:
        parse_tlp(bad)
    assert repr(bad) in str(raised.value)


@pytest.mark.parametrize("tlp", list(TLP))
def test_the_stix_objects_are_exactly_the_official_ones(tlp: TLP) -> None:
    word = tlp.word
    official = json.loads(TEMPLATE % (OFFICIAL[word], word.upper(), word))
    assert marking_definition(tlp) == official
    assert MARKING_IDS[tlp] == f"marking-definition--{OFFICIAL[word]}"
    assert marking_of(official) == tlp
    parsed = stix2.parse(marking_definition(tlp), allow_custom=False)
    assert parsed.id == official["id"] and parsed.name == tlp.value


def test_an_object_with_an_official_id_but_other_content_is_not_that_marking() -> None:
    forged = marking_definition(TLP.RED) | {"name": "TLP:CLEAR"}
    assert marking_of(forged) is None
    assert marking_of({"id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"}) is None
