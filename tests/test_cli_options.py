"""The options every command shares: dates (an offset is converted, a bad value names its
option), help texts as whole paragraphs, and the settings file's rule file."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from outpost.cli import app
from outpost.cli.dates import day, moment
from outpost.config import load_settings

runner = CliRunner()


def test_a_given_offset_is_converted_to_utc_not_replaced() -> None:
    assert moment("2026-03-01T02:00+03:00", "--since") == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert moment("2026-03-01", "--since") == datetime(2026, 3, 1, tzinfo=UTC)
    assert moment("2026-03-01T02:00-05:30", "--since") == datetime(2026, 3, 1, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["bad", "2026-13-01", "2026-02-30"])
def test_a_bad_day_names_the_option_it_was_given_to(value: str) -> None:
    with pytest.raises(typer.BadParameter) as caught:
        day(value, "--day")
    assert caught.value.param_hint == "--day"


def test_indicators_with_a_bad_day_names_day(tmp_path: Path) -> None:
    env = {"OUTPOST_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    result = runner.invoke(app, ["indicators", "--day", "bad"], env=env)
    assert result.exit_code == 2
    assert "--day" in result.output and "--since" not in result.output


def test_stories_since_takes_the_offset_into_account(database_url: str, tmp_path: Path) -> None:
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["stories", "--since", "2026-03-01T02:00+03:00", "--json"], env=env)
    assert result.exit_code == 0, result.output
    bad = runner.invoke(app, ["stories", "--since", "yesterday-ish", "--json"], env=env)
    assert bad.exit_code == 2 and "--since" in bad.output


def test_help_shows_each_paragraph_whole() -> None:
    result = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "300"})
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    # One line each at this width: the docstring's own line breaks no longer break them.
    assert any(
        "one JSON object of facts per input line, in order, on standard output; nothing is "
        "stored, and a line that cannot be read gives" in line
        for line in lines
    ), result.output
    assert any(line.startswith("With --all: the stored articles") for line in lines)


def test_every_command_has_help_without_a_broken_sentence() -> None:
    """No help paragraph ends a line where its sentence goes on (a lowercase word next)."""
    listed = runner.invoke(app, ["--help"], env={"COLUMNS": "300"}).output
    names = [
        line.split()[1] for line in listed.splitlines() if line.startswith("│ ") and "  " in line
    ]
    assert "ingest" in names and "watch" in names
    for name in names:
        output = runner.invoke(app, [name, "--help"], env={"COLUMNS": "300"}).output
        head = output.split("╭")[0]  # the text above the boxes of arguments and options
        rows = [line.strip() for line in head.splitlines()]
        for first, second in itertools.pairwise(rows):
            assert not (first and second and second[0].islower()), f"{name}: {first!r}"


def test_the_settings_file_names_the_rule_file(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules:\n  - id: x\n    bogus: 1\n", encoding="utf-8")
    (tmp_path / "outpost.toml").write_text('rules = "rules.yaml"\n', encoding="utf-8")
    settings = load_settings({"OUTPOST_DATA_DIR": str(tmp_path)})
    assert settings.rules == tmp_path / "rules.yaml"  # relative to the file, not the cwd
    env = {"OUTPOST_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    result = runner.invoke(app, ["warn"], env=env)
    assert result.exit_code == 2 and "bogus" in result.output  # the file was read and checked
    other = tmp_path / "other.yaml"
    other.write_text("rules: []\n", encoding="utf-8")
    chosen = load_settings({"OUTPOST_DATA_DIR": str(tmp_path), "OUTPOST_RULES": str(other)})
    assert chosen.rules == other  # the environment wins over the file, as for every setting
