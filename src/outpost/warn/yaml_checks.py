"""Checking a YAML file node by node, so every error can name its line.

A rule file is read within bounds before any of it is believed: at most MAX_BYTES, UTF-8,
nested at most MAX_DEPTH deep (PyYAML composes nodes recursively, so a deeper file would end
in a RecursionError), and no key twice in a mapping (YAML would keep the last one silently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MAX_BYTES = 1024 * 1024  # a rule file is a few pages; a bigger one is a mistake or an attack
MAX_DEPTH = 32  # the format needs 5 levels (rules > rule > places > near > value)


class RuleError(ValueError):
    """A rule file that cannot be used; `errors` lists every problem with its line."""

    def __init__(self, path: str, errors: list[str]) -> None:
        self.errors = sorted(errors, key=_line_of)
        if len(self.errors) == 1:  # one problem, one line
            message = f"{path}: {self.errors[0]}"
        else:
            message = f"{path}: {len(errors)} error(s):\n" + "\n".join(self.errors)
        super().__init__(message)


def _line_of(error: str) -> int:
    found = re.match(r"line (\d+)", error)
    return int(found.group(1)) if found else 0


def compose_file(path: Path) -> yaml.Node | None:
    """The YAML node tree of the file at `path` (None if it holds no document), read within
    the bounds above; RuleError names the first bound it breaks."""
    text = _read_text(path)
    try:
        too_deep = _too_deep(text)
        if too_deep:
            raise RuleError(str(path), [too_deep])
        return yaml.compose(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. ESC
        raise RuleError(str(path), [_bad_character(text, exc)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise RuleError(str(path), [f"{where}not valid YAML: {problem}"]) from None


def _bad_character(text: str, exc: yaml.reader.ReaderError) -> str:
    line = text.count("\n", 0, exc.position) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return f"line {line}: not valid YAML: character U+{code:04X} is not allowed"


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)  # never more, whatever the file claims to be
    except OSError as exc:
        raise RuleError(str(path), [f"cannot read: {exc.strerror}"]) from None
    if len(data) > MAX_BYTES:
        raise RuleError(str(path), [f"larger than {MAX_BYTES // 1024} KiB: not a rule file"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"line {line}: not UTF-8 (byte offset {exc.start}: 0x{data[exc.start]:02x})"
        raise RuleError(str(path), [where]) from None


def _too_deep(text: str) -> str | None:
    """Where the nesting passes MAX_DEPTH, counted on the parser's events (they come one by
    one, without recursion)."""
    depth = 0
    for event in yaml.parse(text):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                return f"line {line}: nested deeper than {MAX_DEPTH} levels"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def key_errors(root: yaml.Node) -> list[str]:
    """A key used twice in any mapping (YAML keeps the last silently), or a key that is a
    list or mapping; nodes shared by aliases are visited once."""
    errors: list[str] = []
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            errors.extend(_mapping_key_errors(node))
            todo.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return errors


def _mapping_key_errors(node: yaml.MappingNode) -> list[str]:
    errors: list[str] = []
    first: dict[str, int] = {}
    for key, _ in node.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode):
            errors.append(f"line {line}: a key must be a plain value, not a list or mapping")
        elif key.value in first:
            errors.append(
                f"line {line}: key {key.value!r} is used twice (first on line {first[key.value]})"
            )
        else:
            first[key.value] = line
    return errors


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
