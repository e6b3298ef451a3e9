"""Plan templates: standard procedures with their measures, kept as data
(`outpost/respond/templates.yaml`), and the plan one of them becomes.

The file is checked whole when it is read: every problem is named with its line, and a file
with any problem is refused rather than half believed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import yaml

from outpost.markings import TLP
from outpost.records import Measure, MeasureState, Organisation, Plan, Principal, Transition
from outpost.respond.people import ORG_KINDS
from outpost.respond.plans import (
    DEFAULT_MARKING,
    PLAN_ID,
    PlanError,
    check_measure,
    new_plan,
    threat_domains,
)
from outpost.warn.yaml_checks import RuleError, compose_file, key_errors

MAX_DAYS = 3660  # ten years: a longer offset is a typo


class TemplateError(PlanError):
    """A template file that cannot be used, or a template that cannot become a plan."""


@dataclass(frozen=True)
class MeasureTemplate:
    title: str
    description: str
    takes: str  # the kind of organisation that takes it: centre, member, partner
    due_days: int  # after the plan's start
    critical_days: int  # >= due_days
    domain: str | None = None


@dataclass(frozen=True)
class PlanTemplate:
    id: str
    title: str
    description: str
    measures: tuple[MeasureTemplate, ...]


def load_templates(path: Path | None = None) -> dict[str, PlanTemplate]:
    """The templates shipped in the package, or those of the YAML file at `path`, by id."""
    if path is None:
        with resources.as_file(resources.files("outpost.respond") / "templates.yaml") as file:
            return read_templates(file)
    return read_templates(path)


def read_templates(path: Path) -> dict[str, PlanTemplate]:
    try:
        root = compose_file(path)
    except RuleError as exc:
        raise TemplateError(str(exc)) from None
    if root is None:
        raise TemplateError(f"{path}: empty: expected 'version: 1' and 'templates:'")
    reader = _Reader()
    templates = reader.file(root)
    errors = key_errors(root) + reader.errors
    if errors:
        lines = sorted(set(errors), key=lambda e: int(e.split(":")[0].removeprefix("line ")))
        raise TemplateError(f"{path}: {len(lines)} error(s):\n" + "\n".join(lines))
    return {t.id: t for t in templates}


class _Reader:
    """Walks the YAML nodes (they carry line numbers) and collects every error."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, node: yaml.Node, message: str) -> None:
        self.errors.append(f"line {node.start_mark.line + 1}: {message}")

    def mapping(
        self, node: yaml.Node, what: str, keys: set[str], required: set[str]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping")
            return None
        found = {str(k.value): v for k, v in node.value}
        for key in sorted(set(found) - keys):
            self.error(node, f"{what}: unknown key {key!r} (expected {', '.join(sorted(keys))})")
        for key in sorted(required - set(found)):
            self.error(node, f"{what}: {key!r} is missing")
        return found

    def items(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node, f"{what} must be a non-empty list")
            return []
        return list(node.value)

    def text(self, node: yaml.Node | None, what: str) -> str:
        if node is None:
            return ""
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            self.error(node, f"{what}: expected a non-empty text")
            return ""
        return " ".join(str(node.value).split())

    def days(self, node: yaml.Node, what: str) -> int:
        value = node.value if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.isdigit() or int(value) > MAX_DAYS:
            self.error(node, f"{what}: expected a whole number of days, 0 to {MAX_DAYS}")
            return 0
        return int(value)

    def file(self, root: yaml.Node) -> list[PlanTemplate]:
        top = self.mapping(root, "the file", {"version", "templates"}, {"version", "templates"})
        if top is None:
            return []
        if "version" in top and self.text(top["version"], "version") != "1":
            self.error(top["version"], "version: this Outpost reads version 1")
        nodes = self.items(top["templates"], "templates") if "templates" in top else []
        found: dict[str, PlanTemplate] = {}
        for node in nodes:
            template = self.template(node)
            if template is not None and template.id in found:
                self.error(node, f"template id {template.id!r} is used twice")
            elif template is not None:
                found[template.id] = template
        return list(found.values())

    def template(self, node: yaml.Node) -> PlanTemplate | None:
        fields = self.mapping(node, "a template", TEMPLATE_KEYS, TEMPLATE_KEYS - {"description"})
        if fields is None:
            return None
        id = self.text(fields.get("id"), "id")
        where = f"template {id!r}"
        if id and not PLAN_ID.fullmatch(id):
            self.error(fields["id"], f"{where}: id of letters, digits, '.', '_' or '-' only")
        nodes = self.items(fields["measures"], f"{where}: measures") if "measures" in fields else []
        measures = [self.measure(n, f"{where}, measure {i}") for i, n in enumerate(nodes, 1)]
        return PlanTemplate(
            id=id,
            title=self.text(fields.get("title"), f"{where}: title"),
            description=self.text(fields.get("description"), f"{where}: description"),
            measures=tuple(m for m in measures if m is not None),
        )

    def measure(self, node: yaml.Node, where: str) -> MeasureTemplate | None:
        fields = self.mapping(node, where, MEASURE_KEYS, {"title", "takes", "due_days"})
        if fields is None:
            return None
        takes = self.text(fields.get("takes"), f"{where}: takes")
        if takes and takes not in ORG_KINDS:
            self.error(fields["takes"], f"{where}: takes {takes!r}: one of {', '.join(ORG_KINDS)}")
        domain = self.text(fields["domain"], f"{where}: domain") if "domain" in fields else None
        if domain and domain not in threat_domains():
            self.error(fields["domain"], f"{where}: unknown threat domain {domain!r}")
        due = self.days(fields["due_days"], f"{where}: due_days") if "due_days" in fields else 0
        critical = due
        if "critical_days" in fields:
            critical = self.days(fields["critical_days"], f"{where}: critical_days")
            if critical < due:
                self.error(fields["critical_days"], f"{where}: critical_days before due_days")
        return MeasureTemplate(
            title=self.text(fields.get("title"), f"{where}: title"),
            description=self.text(fields.get("description"), f"{where}: description"),
            takes=takes,
            due_days=due,
            critical_days=critical,
            domain=domain,
        )


TEMPLATE_KEYS = {"id", "title", "description", "measures"}
MEASURE_KEYS = {"title", "description", "takes", "due_days", "critical_days", "domain"}


def plan_from_template(
    template: PlanTemplate,
    owner: Principal,
    start: date,
    orgs: Sequence[Organisation],
    *,
    plan_id: str,
    now: datetime,
    marking: TLP = DEFAULT_MARKING,
) -> Plan:
    """The plan the template becomes, owned by the organisation of `owner` (a coordinator
    of it) and started on `start`: each measure is assigned to every organisation of `orgs`
    of the kind that takes it."""
    measures = template.measures
    plan = new_plan(
        owner,
        id=plan_id,
        title=template.title,
        description=template.description,
        due=start + timedelta(days=max(m.due_days for m in measures)),
        marking=marking,
        template=template.id,
    )
    made = tuple(
        _measure(template, m, f"{plan.id}/{i}", start, orgs, owner, now)
        for i, m in enumerate(measures, 1)
    )
    for measure in made:
        check_measure(plan, measure)
    return replace(plan, measures=made)


def _measure(
    template: PlanTemplate,
    m: MeasureTemplate,
    id: str,
    start: date,
    orgs: Sequence[Organisation],
    owner: Principal,
    now: datetime,
) -> Measure:
    takers = tuple(o.code for o in orgs if o.kind == m.takes)
    if not takers:
        given = ", ".join(f"{o.code} ({o.kind})" for o in orgs) or "none"
        raise TemplateError(
            f"template {template.id!r}: measure {m.title!r} is taken by a {m.takes} "
            f"organisation, and none was given (given: {given})"
        )
    return Measure(
        id=id,
        title=m.title,
        description=m.description,
        orgs=takers,
        due=start + timedelta(days=m.due_days),
        critical=start + timedelta(days=m.critical_days),
        domain=m.domain,
        history=(Transition(owner.id, now, None, MeasureState.ASSIGNED, f"from {template.id}"),),
    )
