"""The watch rules: which file, read and checked against the knowledge base and taxonomies."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from outpost.analyze.event_types import load_taxonomy
from outpost.analyze.threats import ThreatTagger
from outpost.config import Settings
from outpost.kb.actors import load_kb
from outpost.respond.people import Action, require_of_people
from outpost.services.context import Context
from outpost.warn.rules import RuleError, RuleSet, load_rules
from outpost.warn.yaml_checks import MAX_BYTES


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


# --- the rule file as the API reads, checks and replaces it --------------------------------

LINE = re.compile(r"line (\d+): (.*)", re.DOTALL)


class NoRuleFileError(LookupError):
    """No rule file is configured (`rules` in the settings file, or OUTPOST_RULES)."""


class RuleFileWriteError(OSError):
    """The rule file could not be written; the message says why, without the path."""


@dataclass(frozen=True)
class RuleProblem:
    line: int | None  # 1-based; None for the file as a whole (too large, not readable)
    message: str


@dataclass(frozen=True)
class RuleFile:
    """The configured rule file: its text, and its rules or what is wrong with it."""

    path: Path | None  # None: no rule file is configured
    text: str | None  # None: configured but missing
    rules: RuleSet | None  # None: missing, or it has problems
    problems: tuple[RuleProblem, ...]


def problems(error: RuleError) -> tuple[RuleProblem, ...]:
    """Each of the error's problems with its line, as RuleError writes them."""
    found = []
    for text in error.errors:
        match = LINE.fullmatch(text)
        found.append(
            RuleProblem(int(match.group(1)), match.group(2)) if match else RuleProblem(None, text)
        )
    return tuple(found)


def read_rule_file(ctx: Context) -> RuleFile:
    path = ctx.settings.rules
    if path is None:
        return RuleFile(None, None, None, ())
    if not path.is_file():
        return RuleFile(path, None, None, (RuleProblem(None, "the rule file does not exist"),))
    try:
        rules = checked_rules(path)
    except RuleError as exc:
        return RuleFile(path, _text(path), None, problems(exc))
    return RuleFile(path, _text(path), rules, ())


def _text(path: Path) -> str | None:
    """The text as it is, bad characters replaced (what is wrong with them is in problems)."""
    try:
        with path.open("rb") as file:
            return file.read(MAX_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None


def check_rule_text(text: str) -> RuleSet:
    """The rules of `text` as a rule file would give them; RuleError lists every problem."""
    with tempfile.TemporaryDirectory(prefix="outpost-rules-") as folder:
        path = Path(folder) / "rules.yaml"
        path.write_bytes(_encoded(text))
        return checked_rules(path)


def replace_rule_file(ctx: Context, text: str) -> RuleSet:
    """Check `text` and, if it has no problem, make it the configured rule file in one step
    (written beside it, then renamed over it: a reader sees the old file or the new one).
    RuleError lists every problem (the file is unchanged); NoRuleFileError when no rule file
    is configured; RuleFileWriteError when it cannot be written; NotAllowedError below
    coordinator."""
    require_of_people(ctx.who, Action.EDIT_RULES)
    path = ctx.settings.rules
    if path is None:
        raise NoRuleFileError("no rule file is configured: set `rules` in the settings file")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise RuleFileWriteError(f"cannot write the rule file: {exc.strerror}") from None
    written = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(_encoded(text))
        rules = checked_rules(written)
        if path.exists():  # keep who may read it as it was
            written.chmod(stat.S_IMODE(path.stat().st_mode))
        written.replace(path)
    except OSError as exc:
        raise RuleFileWriteError(f"cannot write the rule file: {exc.strerror}") from None
    finally:
        written.unlink(missing_ok=True)
    return rules


def _encoded(text: str) -> bytes:
    # A lone surrogate (JSON can carry one) stays in the bytes, so the reader names its line
    # as not UTF-8 instead of this failing to encode.
    return text.encode("utf-8", errors="surrogatepass")
