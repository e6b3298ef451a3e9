"""An explicit number in a rule file is honoured, 0 included; only a missing key takes the
default (`watch.min_spike: 0` once became 2.0 through `x or 2.0`). Real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from outpost.warn.rules import RuleError, RuleSet, load_rules

RULE = """\
rules:
  - id: border
    keywords: [border]
"""
SMTP = """\
email:
  duty: {to: [duty@example.org]}
"""


def loaded(tmp_path: Path, text: str) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path, env={})


@pytest.mark.parametrize(("given", "kept"), [("0", 0.0), ("0.0", 0.0), ("0.5", 0.5), ("7", 7.0)])
def test_watch_min_spike_keeps_an_explicit_value_even_zero(
    tmp_path: Path, given: str, kept: float
) -> None:
    rules = loaded(tmp_path, RULE + f"watch:\n  min_spike: {given}\n")
    assert rules.watch.min_spike == kept


def test_watch_min_spike_missing_takes_the_default(tmp_path: Path) -> None:
    assert loaded(tmp_path, RULE).watch.min_spike == 2.0
    assert loaded(tmp_path, RULE + "watch:\n  countries: [TJ]\n").watch.min_spike == 2.0


@pytest.mark.parametrize(("given", "kept"), [("0", 0.0), ("0.25", 0.25), ("1", 1.0)])
def test_rule_numbers_keep_an_explicit_value_even_zero(
    tmp_path: Path, given: str, kept: float
) -> None:
    text = RULE + f"    min_confidence: {given}\n    min_spike: {given}\n"
    (rule,) = loaded(tmp_path, text).rules
    assert (rule.min_confidence, rule.min_spike) == (kept, kept)


def test_rule_numbers_missing_take_the_defaults(tmp_path: Path) -> None:
    (rule,) = loaded(tmp_path, RULE).rules
    assert (rule.min_confidence, rule.min_spike) == (0.0, None)


def test_smtp_port_explicit_or_default(tmp_path: Path) -> None:
    given = loaded(tmp_path, RULE + SMTP + "smtp: {host: 127.0.0.1, port: 2525}\n")
    assert given.smtp is not None and given.smtp.port == 2525
    missing = loaded(tmp_path, RULE + SMTP + "smtp: {host: 127.0.0.1}\n")
    assert missing.smtp is not None and missing.smtp.port == 25


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (RULE + "watch:\n  min_spike: -1\n", "line 5: watch.min_spike: -1.0 is outside 0..300"),
        (RULE + "    min_confidence: 2\n", "line 4: min_confidence: 2.0 is outside 0..1"),
        (RULE + SMTP + "smtp: {port: 0}\n", "line 6: smtp.port: 0.0 is outside 1..65535"),
    ],
)
def test_a_number_out_of_range_is_still_refused(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(RuleError) as caught:
        loaded(tmp_path, text)
    assert caught.value.errors == [error]
