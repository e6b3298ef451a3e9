"""The layers of the design hold: a module imports only from its own layer or below, only the
services layer opens transactions, and the domain packages never hold an Engine.

    leaves: records, values, dedup, serialize, config, addresses, terminal, markings
      → kb → analyze → ingest | store → warn | respond | export | evaluate
        → services → cli | api | web
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "outpost"

LAYERS: dict[str, int] = {
    **dict.fromkeys(
        ("records", "values", "dedup", "serialize", "config", "addresses", "terminal", "markings"),
        0,
    ),
    "kb": 1,
    "analyze": 2,
    "__init__": 2,  # the library's entry point, outpost.analyze(text)
    **dict.fromkeys(("ingest", "store"), 3),
    **dict.fromkeys(("warn", "respond", "export", "evaluate"), 4),
    "services": 5,
    **dict.fromkeys(("cli", "api", "web", "__main__"), 6),
}
# Packages that take and return records: an Engine (and with it a transaction) is not theirs.
NO_ENGINE = ("analyze", "kb", "ingest", "warn", "respond", "export")
# Who may open a transaction (engine.begin / engine.connect): the services layer, and the
# store's opener, which migrates.
OPENERS = ("services/", "store/db.py")


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "migrations" in relative.parts:  # Alembic's scripts: run by the opener only
            continue
        top = relative.parts[0].removesuffix(".py")
        yield top, relative, ast.parse(path.read_text(encoding="utf-8"), str(path))


def imported(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every `outpost.x` imported anywhere in the module (inside functions too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = (
                [node.module]
                if node.module != "outpost"
                else [f"outpost.{alias.name}" for alias in node.names]
            )
            for name in names:
                yield node.lineno, name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def test_every_top_level_module_has_a_layer() -> None:
    tops = {top for top, _, _ in modules()}
    assert tops <= set(LAYERS), f"give these a layer in LAYERS: {sorted(tops - set(LAYERS))}"


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    upward = []
    for top, path, tree in modules():
        for line, name in imported(tree):
            parts = name.split(".")
            if parts[0] != "outpost" or len(parts) < 2:
                continue
            target = parts[1]
            if LAYERS.get(target, -1) > LAYERS[top]:
                upward.append(f"{path}:{line} imports {name} ({top} → {target})")
    assert not upward, "imports that go up the layers:\n" + "\n".join(upward)


def test_only_the_services_layer_opens_transactions() -> None:
    opened = []
    for _, path, tree in modules():
        if str(path).startswith(OPENERS):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("begin", "connect")
                and _engine_like(node.func.value)
            ):
                opened.append(f"{path}:{node.lineno} {ast.unparse(node)}")
    assert not opened, "transactions opened outside services/:\n" + "\n".join(opened)


def _engine_like(value: ast.expr) -> bool:
    """`engine.begin()`, `self.engine.connect()`, `ctx.engine.begin()`."""
    name = value.attr if isinstance(value, ast.Attribute) else getattr(value, "id", "")
    return "engine" in name.lower()


@pytest.mark.parametrize("package", NO_ENGINE)
def test_domain_packages_never_hold_an_engine(package: str) -> None:
    found = []
    for top, path, tree in modules():
        if top != package:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "sqlalchemy"
                and any(alias.name == "Engine" for alias in node.names)
            ):
                found.append(f"{path}:{node.lineno}")
    assert not found, f"{package} imports sqlalchemy.Engine: {found}"


def test_the_guard_sees_an_upward_import() -> None:
    """The checks above read real imports: one planted in a parsed module is found."""
    tree = ast.parse("def f():\n    from outpost.services.context import Context\n")
    assert [name for _, name in imported(tree)] == ["outpost.services.context"]
    assert LAYERS["services"] > LAYERS["warn"]
