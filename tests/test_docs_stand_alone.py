"""The README and the design it links stand alone: a user of the repository has nothing above
it, so no reference may climb out of it, and every file of the repository they name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/DESIGN.md")
NAMED = re.compile(r"`((?:docs|src|tests|benchmarks|examples)/[^`\s]*)`")


@pytest.mark.parametrize("name", DOCS)
def test_no_reference_leaves_the_repository(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    climbing = [line for line in text.splitlines() if "../" in line]
    assert climbing == []


def test_the_readme_links_the_design_in_the_repository() -> None:
    assert "`docs/DESIGN.md`" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", DOCS)
def test_every_repository_file_named_exists(name: str) -> None:
    named = NAMED.findall((ROOT / name).read_text(encoding="utf-8"))
    assert named, "the pattern must find the paths it checks"
    assert [path for path in named if not (ROOT / path).exists()] == []
