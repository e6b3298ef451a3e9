"""/api/v1/rules on SQLite and PostgreSQL: the rule file read with its rules or its problems, a
text checked with every problem at its line, the file replaced in one step or not at all; and
the watch loop reading the replaced file at its next cycle."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from outpost.analyze.pipeline import Pipeline
from outpost.config import Settings
from outpost.services.watch import Watcher
from outpost.warn.rules import RuleSet
from tests.conftest import EXAMPLES
from tests.test_alerts import BAD
from tests.test_api_auth import Api, problem, running_api

GOOD = (EXAMPLES / "rules.yaml").read_text(encoding="utf-8")
SMALL = """\
rules:
  - id: border
    name: The border
    places: {countries: [TJ]}
"""


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from running_api(settings)


@pytest.fixture
def with_file(settings: Settings, tmp_path: Path) -> Iterator[Api]:
    path = tmp_path / "rules" / "rules.yaml"
    path.parent.mkdir()
    path.write_text(SMALL, encoding="utf-8")
    path.chmod(0o640)
    yield from running_api(replace(settings, rules=path))


def test_a_good_text_gives_its_rules(api: Api) -> None:
    answer = api.call("POST", "/rules/validate", json={"text": GOOD})
    assert answer.status_code == 200, answer.text
    check = answer.json()
    ids = [rule["id"] for rule in check["rules"]]
    assert "attacks-south-asia" in ids and "csto-decisions" in ids
    assert check["watch"]["countries"] and isinstance(check["watch"]["min_spike"], float)
    assert "secret" not in answer.text.lower()  # targets are named, their secrets kept


def test_a_bad_text_lists_every_problem_at_its_line(api: Api) -> None:
    body = problem(api.call("POST", "/rules/validate", json={"text": BAD}), 422, "rule-errors")
    lines = [(e["line"], e["message"]) for e in body["errors"]]
    assert [line for line, _ in lines] == [2, 3, 5, 6, 7, 9, 10, 12, 12, 13]
    assert (3, "domains: unknown 'piracy'") in lines
    assert any(line == 13 and "unknown section 'colour'" in m for line, m in lines)
    assert "10 problem(s)" in body["detail"]
    broken = api.call("POST", "/rules/validate", json={"text": "rules:\n  - id: [unclosed\n"})
    (error,) = problem(broken, 422, "rule-errors")["errors"]
    assert error["line"] == 3 and error["message"].startswith("not valid YAML")
    # A lone surrogate (JSON can carry one) is no text: the field is refused.
    raw = b'{"text": "rules:\\n  - id: \\ud800x\\n"}'  # the escape as JSON writes it
    odd = api.call(
        "POST", "/rules/validate", content=raw, headers={"Content-Type": "application/json"}
    )
    assert problem(odd, 422, "validation")["errors"][0]["location"] == "body.text"


def test_the_rule_file_is_read_with_its_rules_or_its_problems(api: Api, tmp_path: Path) -> None:
    assert api.get("/rules").json() == {
        "configured": False,
        "text": None,
        "check": None,
        "problems": [],
    }
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    for other in running_api(replace(api.settings, rules=path)):  # the same store, a file
        found = other.get("/rules").json()
        assert found["configured"] and found["text"] == BAD and found["check"] is None
        assert {p["line"] for p in found["problems"]} >= {2, 13}


def test_replacing_without_a_rule_file_is_a_conflict(api: Api) -> None:
    body = problem(api.call("PUT", "/rules", json={"text": GOOD}), 409, "conflict")
    assert "no rule file is configured" in body["detail"]


def test_the_rule_file_is_replaced_whole_or_not_at_all(with_file: Api) -> None:
    api = with_file
    path = api.settings.rules
    assert path is not None
    assert [r["id"] for r in api.get("/rules").json()["check"]["rules"]] == ["border"]
    problem(api.call("PUT", "/rules", json={"text": BAD}), 422, "rule-errors")
    assert path.read_text(encoding="utf-8") == SMALL  # unchanged
    answer = api.call("PUT", "/rules", json={"text": GOOD})
    assert answer.status_code == 200 and "csto-decisions" in answer.text
    assert path.read_text(encoding="utf-8") == GOOD
    assert path.stat().st_mode & 0o777 == 0o640  # who may read it, as it was
    assert [p.name for p in path.parent.iterdir()] == ["rules.yaml"]  # no temporary file left
    assert api.get("/rules").json()["text"] == GOOD


def test_a_watch_loop_reads_the_replaced_file_at_its_next_cycle(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(SMALL, encoding="utf-8")
    log = io.StringIO()
    watcher = Watcher(
        engine, settings, (), RuleSet(()), Pipeline([]), log, every=0.1, rules_file=path
    )
    watcher.cycle()
    assert watcher.rules.rules == ()  # the file has not changed since the loop started
    path.write_text(GOOD, encoding="utf-8")
    watcher.cycle()
    assert "csto-decisions" in {r.id for r in watcher.rules.rules}
    path.write_text(BAD, encoding="utf-8")
    watcher.cycle()
    assert "csto-decisions" in {r.id for r in watcher.rules.rules}  # a bad file changes nothing
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    (error,) = [x for x in lines if x["event"] == "rules-error"]
    assert any(e.startswith("line 13: unknown section 'colour'") for e in error["errors"])
