"""Plan templates: every shipped template loads and becomes a plan; the seed becomes the
joint response to the threats from Afghanistan, due 16 September 2021; a broken file is
refused with every problem named by its line."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from outpost.markings import TLP
from outpost.records import MeasureState, Organisation
from outpost.respond.people import NotAllowedError
from outpost.respond.plans import PlanError
from outpost.respond.rollup import PlanState, rollup
from outpost.respond.templates import (
    TemplateError,
    load_templates,
    plan_from_template,
    read_templates,
)
from tests.plan_parts import CRC_COORDINATOR, KZ_ANALYST, NOW

SEED = "afghanistan-joint-response"
CREATED = datetime(2021, 8, 1, tzinfo=UTC)


def org(code: str, kind: str, country: str | None = None) -> Organisation:
    return Organisation(1, code, code.upper(), kind, country, CREATED)


ALLIANCE = [
    org("crc", "centre"),
    org("kz-knb", "member", "KZ"),
    org("tj-gknb", "member", "TJ"),
    org("icrc", "partner"),
]


def test_every_shipped_template_loads_and_becomes_a_plan() -> None:
    templates = load_templates()
    assert {SEED, "border-incident", "refugee-influx"} <= set(templates)
    for template in templates.values():
        plan = plan_from_template(
            template, CRC_COORDINATOR, date(2021, 8, 23), ALLIANCE,
            plan_id=f"p-{template.id}", now=NOW, marking=TLP.AMBER,
        )  # fmt: skip
        assert (plan.template, plan.owner, plan.created_by) == (
            template.id,
            "crc",
            CRC_COORDINATOR.id,
        )
        assert len(plan.measures) == len(template.measures) > 0
        assert plan.due == max(m.due for m in plan.measures)
        for made, model in zip(plan.measures, template.measures, strict=True):
            kinds = {o.code: o.kind for o in ALLIANCE}
            assert made.orgs and {kinds[o] for o in made.orgs} == {model.takes}
            assert made.critical >= made.due and made.state is MeasureState.ASSIGNED
        assert rollup(plan, NOW).state is PlanState.NOT_STARTED


def test_the_seed_is_the_joint_response_to_the_threats_from_afghanistan() -> None:
    seed = load_templates()[SEED]
    plan = plan_from_template(
        seed, CRC_COORDINATOR, date(2021, 8, 23), ALLIANCE, plan_id="afg-2021", now=NOW,
        marking=TLP.AMBER,
    )  # fmt: skip
    assert plan.title == "Joint response measures to the threats coming from Afghanistan"
    assert plan.due == date(2021, 9, 16)
    assert {m.due for m in plan.measures} == {date(2021, 9, 16)}
    assert {m.domain for m in plan.measures} == {
        "terrorism", "drug_trafficking", "illegal_migration", "border_security",
        "humanitarian_crisis", "online_recruitment", None,
    }  # fmt: skip
    members = [m for m in plan.measures if m.domain is not None]
    assert {m.orgs for m in members} == {("kz-knb", "tj-gknb")}  # joint: both members on each
    assert [m.orgs for m in plan.measures if m.domain is None] == [("crc",)]
    assert [m.id for m in plan.measures] == [f"afg-2021/{i}" for i in range(1, 8)]
    first = plan.measures[0].history[0]
    assert (first.who, first.target, first.note) == (
        CRC_COORDINATOR.id,
        MeasureState.ASSIGNED,
        f"from {SEED}",
    )


def test_a_template_needs_an_organisation_of_each_kind_it_names() -> None:
    seed = load_templates()[SEED]
    with pytest.raises(
        TemplateError, match="is taken by a centre organisation, and none was given"
    ):
        plan_from_template(seed, CRC_COORDINATOR, date(2021, 8, 23), ALLIANCE[1:],
                           plan_id="p", now=NOW, marking=TLP.AMBER)  # fmt: skip


def test_the_plan_is_amber_strict_unless_chosen_and_so_cannot_reach_the_members() -> None:
    seed = load_templates()[SEED]
    with pytest.raises(PlanError, match=r"TLP:AMBER\+STRICT, which kz-knb, tj-gknb may not see"):
        plan_from_template(seed, CRC_COORDINATOR, date(2021, 8, 23), ALLIANCE, plan_id="p", now=NOW)
    with pytest.raises(NotAllowedError, match="may not create a plan"):
        plan_from_template(seed, KZ_ANALYST, date(2021, 8, 23), ALLIANCE, plan_id="p", now=NOW)


GOOD = """\
version: 1
templates:
  - id: drill
    title: A drill
    measures:
      - title: Run it
        takes: member
        due_days: 3
"""


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "templates.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_file_reads_with_its_defaults(tmp_path: Path) -> None:
    drill = read_templates(written(tmp_path, GOOD))["drill"]
    (measure,) = drill.measures
    assert (drill.description, measure.description, measure.due_days, measure.critical_days) == (
        "",
        "",
        3,
        3,
    )
    assert measure.domain is None


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        (GOOD.replace("due_days: 3", "due_days: 3\n        critical_days: 1"),
         ["line 9: template 'drill', measure 1: critical_days before due_days"]),
        (GOOD.replace("takes: member", "takes: state"),
         ["line 7: template 'drill', measure 1: takes 'state': one of centre, member, partner"]),
        (GOOD.replace("due_days: 3", "due_days: soon"),
         ["line 8: template 'drill', measure 1: due_days: expected a whole number of days, "
          "0 to 3660"]),
        (GOOD.replace("due_days: 3", "due_days: 3\n        domain: piracy"),
         ["line 9: template 'drill', measure 1: unknown threat domain 'piracy'"]),
        (GOOD.replace("        due_days: 3\n", "        due_days: 3\n        owner: nurlan\n"),
         ["line 6: template 'drill', measure 1: unknown key 'owner' (expected critical_days, "
          "description, domain, due_days, takes, title)"]),
        (GOOD.replace("      - title: Run it\n", "      - description: x\n"),
         ["line 6: template 'drill', measure 1: 'title' is missing"]),
        (GOOD.replace("    title: A drill\n", "    title: A drill\n    title: Again\n"),
         ["line 5: key 'title' is used twice (first on line 4)"]),
        (GOOD + GOOD.split("templates:\n")[1],
         ["line 9: template id 'drill' is used twice"]),
        (GOOD.replace("version: 1", "version: 2"),
         ["line 1: version: this Outpost reads version 1"]),
        (GOOD.replace("id: drill", "id: ../drill"),
         ["line 3: template '../drill': id of letters, digits, '.', '_' or '-' only"]),
        ("version: 1\ntemplates: []\n", ["line 2: templates must be a non-empty list"]),
        ("- a list\n", ["line 1: the file must be a mapping"]),
    ],
)  # fmt: skip
def test_a_broken_file_is_refused_naming_each_problem_by_line(
    tmp_path: Path, text: str, errors: list[str]
) -> None:
    path = written(tmp_path, text)
    with pytest.raises(TemplateError) as refused:
        read_templates(path)
    assert str(refused.value) == f"{path}: {len(errors)} error(s):\n" + "\n".join(errors)


def test_every_problem_of_a_file_is_named_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("takes: member", "takes: state").replace("due_days: 3", "due_days: -3")
    with pytest.raises(TemplateError) as refused:
        read_templates(written(tmp_path, text))
    assert str(refused.value).count("\nline ") == 2


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "empty: expected 'version: 1' and 'templates:'"),
        ("version: [1\n", "line 2: not valid YAML"),
        ("version: 1\x1b\n", "not valid YAML: character U+001B is not allowed"),
    ],
)
def test_what_is_not_a_template_file_is_refused(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(error)):
        read_templates(written(tmp_path, text))
