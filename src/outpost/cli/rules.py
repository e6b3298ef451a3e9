"""`outpost rules-check`, and reading the rule file for the commands that need it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from outpost.cli.app import command
from outpost.cli.output import err, out
from outpost.config import Settings
from outpost.services.rules import checked_rules, read_rules
from outpost.terminal import shown
from outpost.warn.rules import RuleError, RuleSet

RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="Watch rules (YAML); default: the settings' rules (OUTPOST_RULES).",
        show_default=False,
    ),
]


def rules_or_exit(settings: Settings, path: Path | None) -> RuleSet:
    """The rule file (`path`, else the settings') checked against the knowledge base and
    taxonomies; exit 2 on errors, each listed with its line."""
    return _checked(lambda: read_rules(settings, path))


def _checked(read: Callable[[], RuleSet]) -> RuleSet:
    try:
        return read()
    except RuleError as exc:
        err.print(f"[red]{shown(exc, lines=True)}[/]", soft_wrap=True)
        raise typer.Exit(2) from None


@command("rules-check")
def rules_check_cli(path: Annotated[Path, typer.Argument(help="Rule file (YAML).")]) -> None:
    """Check a rule file; every error is listed with its line."""
    rules = _checked(lambda: checked_rules(path))
    for rule in rules.rules:
        targets = shown(", ".join(("in-app", *rule.deliver)))
        out.print(f"[bold]{shown(rule.id)}[/]: {shown(rule.name)} → {targets}")
    countries = shown(", ".join(sorted(rules.watch.countries)))
    out.print(f"{len(rules.rules)} rules; spikes watched in {countries}.")
