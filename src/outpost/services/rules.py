"""The watch rules: which file, read and checked against the knowledge base and taxonomies."""

from __future__ import annotations

from pathlib import Path

from outpost.analyze.event_types import load_taxonomy
from outpost.analyze.threats import ThreatTagger
from outpost.config import Settings
from outpost.kb.actors import load_kb
from outpost.warn.rules import RuleSet, load_rules


def rules_file(settings: Settings, given: Path | None = None) -> Path | None:
    """The rule file a command reads: the one given, else the settings' (`rules` in the
    settings file, or OUTPOST_RULES), else none."""
    return given or settings.rules


def read_rules(settings: Settings, given: Path | None = None) -> RuleSet:
    """The rules of `rules_file`; no file: no rules (spikes in the watched countries still
    alert)."""
    chosen = rules_file(settings, given)
    return RuleSet(()) if chosen is None else checked_rules(chosen)


def checked_rules(path: Path) -> RuleSet:
    """The rule file, every actor, domain and event type checked against what the analysis
    knows. RuleError lists every problem with its line."""
    return load_rules(
        path,
        known_actors=load_kb().entities.keys(),
        known_domains=ThreatTagger.load().domains.keys(),
        known_types=load_taxonomy().names,
    )
