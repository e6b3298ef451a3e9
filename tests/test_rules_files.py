"""Rule files are read within bounds: size, encoding, nesting and duplicate keys are refused
with one clear reason and its line, before anything is believed (issue 11). Real files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outpost.cli import app
from outpost.warn.rules import RuleError, load_rules
from outpost.warn.yaml_checks import MAX_BYTES, MAX_DEPTH

GOOD = """\
rules:
  - id: border
    keywords: [border]
    places:
      countries: [TJ]
"""


def write(tmp_path: Path, data: str | bytes, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def refused(path: Path) -> list[str]:
    with pytest.raises(RuleError) as caught:
        load_rules(path, env={})
    return caught.value.errors


def test_a_file_over_the_size_bound_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    # 8 MB of valid YAML: parsing it would take seconds; the size alone answers.
    path = write(tmp_path, GOOD + "# padding line of a comment\n" * (8 * 1024 * 1024 // 28))
    assert path.stat().st_size > 8 * MAX_BYTES - 1024
    started = time.perf_counter()
    errors = refused(path)
    assert time.perf_counter() - started < 0.5
    assert errors == ["larger than 1024 KiB: not a rule file"]
    assert load_rules(write(tmp_path, GOOD, "good.yaml"), env={}).rules[0].id == "border"


def test_a_file_that_is_not_utf8_is_named_with_its_line_and_byte(tmp_path: Path) -> None:
    latin1 = GOOD.replace("[border]", "[café]").encode("latin-1")
    errors = refused(write(tmp_path, latin1))
    offset = latin1.index(b"\xe9")
    assert errors == [f"line 3: not UTF-8 (byte offset {offset}: 0xe9)"]


@pytest.mark.parametrize(
    "text",
    [
        "rules: " + "[" * 10_000 + "]" * 10_000 + "\n",  # flow sequences
        "rules: " + "{a: " * 10_000 + "}" * 10_000 + "\n",  # flow mappings
        "rules:\n" + "".join(" " * i + "- \n" for i in range(1, 1000)),  # block sequences
    ],
    ids=["flow-sequences", "flow-mappings", "block-sequences"],
)
def test_nesting_10000_deep_is_refused_without_a_recursion_error(tmp_path: Path, text: str) -> None:
    errors = refused(write(tmp_path, text))
    assert len(errors) == 1 and errors[0].endswith(f"nested deeper than {MAX_DEPTH} levels")
    line = 1 if text.startswith("rules: ") else MAX_DEPTH + 1
    assert errors[0].startswith(f"line {line}: ")


def test_a_key_given_twice_is_an_error_in_any_mapping_with_the_other_errors(
    tmp_path: Path,
) -> None:
    text = """\
rules:
  - id: border
    keywords: [border]
    keywords: [frontier]
    places:
      near: {lat: 37.2, lon: 68.8, km: 150, km: 5}
  - id: Bad Id
    keywords: [x]
watch:
  countries: [TJ]
watch:
  countries: [AF]
"""
    errors = refused(write(tmp_path, text))
    assert errors == [
        "line 4: key 'keywords' is used twice (first on line 3)",
        "line 6: key 'km' is used twice (first on line 6)",
        "line 7: rule id 'Bad Id': lower-case letters, digits, - _ .",
        "line 11: key 'watch' is used twice (first on line 9)",
    ]


def test_a_key_that_is_a_list_is_refused(tmp_path: Path) -> None:
    errors = refused(
        write(tmp_path, "rules:\n  - id: r\n    ? [a, b]\n    : x\n    keywords: [y]\n")
    )
    assert "line 3: a key must be a plain value, not a list or mapping" in errors


def test_a_control_character_in_the_file_is_one_line_with_its_line(tmp_path: Path) -> None:
    errors = refused(write(tmp_path, GOOD.replace("[border]", "[bor\x1b[2Jder]")))
    assert errors == ["line 3: not valid YAML: character U+001B is not allowed"]


def test_rules_check_says_each_refusal_on_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    files = {
        "deep.yaml": "rules: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "latin1.yaml": GOOD.replace("border]", "café]").encode("latin-1"),
        "big.yaml": "#" * (MAX_BYTES + 1),
        "control.yaml": GOOD.replace("[border]", "[\x1b]52;c;ZXZpbA==\x07]"),
    }
    for name, data in files.items():
        path = write(tmp_path, data, name)
        result = runner.invoke(app, ["rules-check", str(path)], env={"COLUMNS": "300"})
        assert result.exit_code == 2, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(str(path)), (name, result.stderr)
        assert "\x1b" not in result.stderr and "Traceback" not in result.stderr


def test_a_target_may_belong_to_an_organisation(tmp_path: Path) -> None:
    owned = GOOD + (
        "    deliver: [webhook:kz]\n"
        "webhooks:\n"
        "  kz: {url: 'https://kz.example.org/hook', secret_env: KZ_SECRET, org: KZ-KNB}\n"
        "  ops: {url: 'https://ops.example.org/hook', secret_env: KZ_SECRET}\n"
        "email:\n"
        "  crc: {to: [coord@crc.example.org], org: crc}\n"
        "smtp: {host: 127.0.0.1}\n"
    )
    rules = load_rules(write(tmp_path, owned), env={"KZ_SECRET": "s"})
    assert [rules.owner_of(t) for t in ("webhook:kz", "webhook:ops", "email:crc")] == [
        "kz-knb",
        None,
        "crc",
    ]
    assert rules.owned_by(["crc", "tj-gkn"]) == ("email:crc",)
    bad = owned.replace("org: crc", "org: 'not a code!'")
    with pytest.raises(RuleError) as caught:
        load_rules(write(tmp_path, bad, "bad.yaml"), env={"KZ_SECRET": "s"})
    assert caught.value.errors == [
        "line 11: email crc: org must be an organisation's code (e.g. kz-knb)"
    ]
