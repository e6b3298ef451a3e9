"""The rule file as the API reads, checks and replaces it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from outpost.services.rules import RuleFile, RuleProblem
from outpost.warn.rules import Rule, RuleSet
from outpost.warn.yaml_checks import MAX_BYTES


class RuleText(BaseModel):
    """The whole text of a rule file (YAML)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_BYTES, description="The rule file, as YAML text.")


class NearPublic(BaseModel):
    lat: float
    lon: float
    km: float


class RulePublic(BaseModel):
    id: str
    name: str
    domains: list[str]
    event_types: list[str]
    actors: list[str]
    countries: list[str]
    divisions: list[str]
    near: NearPublic | None
    keywords: list[str]
    min_confidence: float
    min_spike: float | None
    severity: str | None
    deliver: list[str] = Field(description="Targets besides the inbox: webhook:NAME, email:NAME")


class WatchPublic(BaseModel):
    """Where a spike alone raises an alert."""

    countries: list[str]
    min_spike: float
    deliver: list[str]


class RuleCheck(BaseModel):
    """The rules of a text that has no problem. Webhooks and mailboxes are named only: their
    addresses and secrets stay on the server."""

    rules: list[RulePublic]
    watch: WatchPublic
    targets: list[str] = Field(description="Every delivery target defined: webhook:NAME, ...")


class RuleProblemPublic(BaseModel):
    line: int | None = Field(description="1-based; null for the file as a whole")
    message: str


class RuleFilePublic(BaseModel):
    """The configured rule file: its text, and its rules or its problems."""

    configured: bool = Field(description="Whether the settings name a rule file.")
    text: str | None = Field(description="Null when none is configured or it is missing.")
    check: RuleCheck | None = Field(description="Null when the file has problems.")
    problems: list[RuleProblemPublic]


def rule_check(rules: RuleSet) -> RuleCheck:
    targets = [f"webhook:{name}" for name in rules.webhooks]
    targets += [f"email:{name}" for name in rules.email]
    watch = rules.watch
    return RuleCheck(
        rules=[rule_public(rule) for rule in rules.rules],
        watch=WatchPublic(
            countries=sorted(watch.countries),
            min_spike=watch.min_spike,
            deliver=list(watch.deliver),
        ),
        targets=sorted(targets),
    )


def rule_public(rule: Rule) -> RulePublic:
    near = rule.near
    return RulePublic(
        id=rule.id,
        name=rule.name,
        domains=sorted(rule.domains),
        event_types=sorted(rule.event_types),
        actors=sorted(rule.actors),
        countries=sorted(rule.countries),
        divisions=sorted(rule.divisions),
        near=NearPublic(lat=near.lat, lon=near.lon, km=near.km) if near else None,
        keywords=list(rule.keywords),
        min_confidence=rule.min_confidence,
        min_spike=rule.min_spike,
        severity=rule.severity,
        deliver=list(rule.deliver),
    )


def problem_items(problems: tuple[RuleProblem, ...]) -> list[dict[str, object]]:
    return [{"line": p.line, "message": p.message} for p in problems]


def rule_file_public(found: RuleFile) -> RuleFilePublic:
    return RuleFilePublic(
        configured=found.path is not None,
        text=found.text,
        check=rule_check(found.rules) if found.rules else None,
        problems=[RuleProblemPublic(line=p.line, message=p.message) for p in found.problems],
    )
