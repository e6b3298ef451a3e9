"""Checking a YAML file node by node, so every error can name its line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml


class RuleError(ValueError):
    """A rule file that cannot be used; `errors` lists every problem with its line."""

    def __init__(self, path: str, errors: list[str]) -> None:
        self.errors = sorted(errors, key=_line_of)
        super().__init__(f"{path}: {len(errors)} error(s):\n" + "\n".join(self.errors))


def _line_of(error: str) -> int:
    found = re.match(r"line (\d+)", error)
    return int(found.group(1)) if found else 0


@dataclass
class Checker:
    """Walks the YAML nodes (they carry line numbers) and collects every error."""

    known_actors: frozenset[str] | None
    known_domains: frozenset[str] | None
    known_types: frozenset[str] | None
    env: dict[str, str]
    errors: list[str] = field(default_factory=list)

    def error(self, node: yaml.Node, message: str) -> None:
        self.errors.append(f"line {node.start_mark.line + 1}: {message}")

    def mapping(self, node: yaml.Node, what: str) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping")
            return None
        return {str(k.value): v for k, v in node.value}

    def strings(self, node: yaml.Node, what: str) -> list[str]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out = []
        for item in items:
            if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
                self.error(item, f"{what}: expected a list of non-empty strings")
                continue
            out.append(str(item.value).strip())
        return out

    def number(self, node: yaml.Node, what: str, low: float, high: float) -> float | None:
        try:
            value = float(node.value)
        except (TypeError, ValueError):
            self.error(node, f"{what}: expected a number, got {node.value!r}")
            return None
        if not low <= value <= high:
            self.error(node, f"{what}: {value} is outside {low}..{high}")
            return None
        return value

    def codes(self, node: yaml.Node, what: str, pattern: str, kind: str) -> frozenset[str]:
        """Upper-cased codes that must match `pattern` (ISO country or division codes)."""
        found = [x.upper() for x in self.strings(node, what)]
        for code in found:
            if not re.fullmatch(pattern, code):
                self.error(node, f"{what}: {code!r} is not an {kind} code")
        return frozenset(found)

    def known(
        self, node: yaml.Node, what: str, values: list[str], allowed: frozenset[str] | None
    ) -> None:
        if allowed is None:
            return
        for value in values:
            if value not in allowed:
                self.error(node, f"{what}: unknown {value!r}")
