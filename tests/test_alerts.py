"""Watch rules and alerts: a rule file checked with every error and its line; the sample
rules on the analysed samples (one alert per rule and story, on SQLite and PostgreSQL); a
spike alerting by itself; delivery to a real webhook receiver and a real SMTP server on
loopback, with signatures, retries, hangs and failures kept; the CLI."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from outpost.cli import app
from outpost.config import Settings
from outpost.services.alerts import check_articles, check_spikes, deliver_due
from outpost.services.analysis import analyze_store
from outpost.services.context import SYSTEM_WATCH
from outpost.services.ingest import ingest
from outpost.services.stories import cluster_store
from outpost.store.alerts import list_alerts
from outpost.warn.rules import RuleError, RuleSet, load_rules
from tests.conftest import EXAMPLES, LOOPBACK
from tests.smtp_receiver import Mailroom
from tests.smtp_receiver import running as running_smtp
from tests.test_indicators import SPIKE, START, article
from tests.webhook_receiver import Receiver

NOW = datetime(2025, 3, 15, 12, tzinfo=UTC)
SECRET = "s3cret-for-tests"


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the rule file --------------------------------------------------------------------------

BAD = """\
rules:
  - id: Bad Id
    domains: [terrorism, piracy]
    places:
      countries: [TJK]
    deliver: [webhook:nowhere]
  - id: empty-rule
    name: nothing to match
  - id: empty-rule
    min_spike: lots
webhooks:
  ops: {url: "ftp://x"}
colour: blue
"""


def test_a_bad_rule_file_is_refused_with_every_error_and_its_line(tmp_path: Path) -> None:
    with pytest.raises(RuleError) as caught:
        load_rules(rules_file(tmp_path, BAD), known_domains={"terrorism"}, env={})
    errors = caught.value.errors
    expected = [
        "line 2: rule id 'Bad Id'",
        "line 3: domains: unknown 'piracy'",
        "line 5: countries: 'TJK' is not an ISO 3166-1 alpha-2 code",
        "line 6: deliver: 'webhook:nowhere' is not a defined",
        "line 7: rule 'empty-rule' has no criterion",
        "line 9: rule id 'empty-rule' is used twice",
        "line 10: min_spike: expected a number, got 'lots'",
        "line 12: webhook ops: url must be http:// or https://",
        "line 12: webhook ops: needs secret_env",
        "line 13: unknown section 'colour'",
    ]
    assert len(errors) == len(expected)
    for line, start in zip(errors, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_broken_yaml_and_a_missing_secret_are_named(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=r"line 3: not valid YAML: expected .,. or .\]."):
        load_rules(rules_file(tmp_path, "rules:\n  - id: [unclosed\n"))
    hook = (
        "rules:\n  - id: r\n    domains: [terrorism]\n    deliver: [webhook:ops]\n"
        "webhooks:\n  ops: {url: 'http://127.0.0.1:9/', secret_env: OPS_SECRET}\n"
    )
    with pytest.raises(RuleError, match=r"line 6: webhook ops: \$OPS_SECRET is not set"):
        load_rules(rules_file(tmp_path, hook), env={})
    loaded = load_rules(rules_file(tmp_path, hook), env={"OPS_SECRET": SECRET})
    assert loaded.webhooks["ops"].secret == SECRET and loaded.rules[0].deliver == ("webhook:ops",)


# --- rules on the analysed samples -----------------------------------------------------------


def prepared(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings, [str(EXAMPLES)])
    analyze_store(engine)
    cluster_store(engine)


def test_sample_rules_raise_one_alert_per_rule_and_story(
    engine: Engine, settings: Settings
) -> None:
    prepared(engine, settings)
    rules = load_rules(EXAMPLES / "rules.yaml")
    checked = check_articles(engine, rules, NOW)
    assert checked.articles == 8
    with engine.connect() as conn:
        raised = list_alerts(conn, SYSTEM_WATCH, limit=None)
    keys = [(a.rule_id, a.subject) for a in raised]
    assert len(keys) == len(set(keys)) == checked.new  # never two for one rule and story
    (train,) = [a for a in raised if a.rule_id == "attacks-south-asia"]
    assert train.article_count == 5 and train.severity == "severe"  # raised once, updated 4x
    # The first report was three days old; the last, within a day: urgency rose with it.
    assert train.urgency == "immediate" and train.evidence and train.state == "new"
    assert checked.updated == sum(a.article_count - 1 for a in raised)
    csto = {a.subject for a in raised if a.rule_id == "csto-decisions"}
    assert len(csto) == 2  # the August session (ru + en) and the September summit
    assert check_articles(engine, rules, NOW).articles == 0  # each article is read once


# --- a webhook receiver and an SMTP server on loopback ----------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailroom, int]]:
    with running_smtp() as room:
        yield room, room.port


def delivering_rules(tmp_path: Path, url: str, smtp_port: int = 9) -> RuleSet:
    text = f"""
rules:
  - id: attacks
    name: Attacks near Kabul
    event_types: [ATTACK, ARMED_CLASH, SUIC_BOMB, REM_EXPLOS, ABDUCT_DISSAP]
    places: {{near: {{lat: 34.5, lon: 69.2, km: 1200}}}}
    deliver: [webhook:ops, email:duty]
webhooks:
  ops: {{url: "{url}", secret_env: OPS_SECRET}}
email:
  duty: {{to: [duty@example.org]}}
smtp: {{host: 127.0.0.1, port: {smtp_port}, sender: outpost@example.org}}
"""
    return load_rules(rules_file(tmp_path, text), env={"OPS_SECRET": SECRET})


def test_webhook_and_email_delivered_once_signed(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    receiver: Receiver,
    smtp_server: tuple[Mailroom, int],
) -> None:
    room, port = smtp_server
    prepared(engine, settings)
    rules = delivering_rules(tmp_path, receiver.url, port)
    assert check_articles(engine, rules, NOW).new == 1
    assert deliver_due(engine, rules, NOW, allow=LOOPBACK).sent == 2
    ((headers, body),) = receiver.got
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Outpost-Signature"] == expected
    sent = json.loads(body)
    assert sent["rule_id"] == "attacks" and sent["article_count"] == 5
    assert sent["cap"]["severity"] in ("Severe", "Moderate") and sent["evidence"]
    (mail,) = room.messages
    message = message_from_bytes(mail)
    assert "Attacks near Kabul" in message["Subject"] and message["To"] == "duty@example.org"
    assert any(p.get_filename() == f"alert-{sent['id']}.json" for p in message.walk())
    again = deliver_due(engine, rules, NOW + timedelta(hours=2), allow=LOOPBACK)
    assert again.sent == 0  # never twice
    assert len(receiver.got) == 1 and len(room.messages) == 1


def test_a_failing_webhook_is_retried_with_back_off_and_kept(
    engine: Engine, settings: Settings, tmp_path: Path, receiver: Receiver
) -> None:
    prepared(engine, settings)
    rules = delivering_rules(tmp_path, receiver.url)  # the SMTP port is closed: it fails too
    check_articles(engine, rules, NOW)
    receiver.status = 500
    first = deliver_due(engine, rules, NOW, allow=LOOPBACK)
    assert (first.sent, first.failed) == (0, 2)
    with engine.connect() as conn:
        (alert,) = list_alerts(conn, SYSTEM_WATCH)
    hook = next(d for d in alert.deliveries if d.target == "webhook:ops")
    assert hook.state == "failing" and hook.attempts == 1 and "HTTP 500" in (hook.last_error or "")
    assert hook.next_attempt == NOW + timedelta(seconds=30)
    early = deliver_due(engine, rules, NOW + timedelta(seconds=10), allow=LOOPBACK)
    assert early.failed == 0  # not yet due
    assert deliver_due(engine, rules, NOW + timedelta(seconds=31), allow=LOOPBACK).failed == 2
    receiver.status = 200
    later = deliver_due(engine, rules, NOW + timedelta(minutes=5), allow=LOOPBACK)
    assert later.sent == 1 and later.failed == 1  # the webhook recovers; the mail still fails
    with engine.connect() as conn:
        (alert,) = list_alerts(conn, SYSTEM_WATCH)
    states = {d.target: (d.state, d.attempts) for d in alert.deliveries}
    assert states == {"webhook:ops": ("sent", 3), "email:duty": ("failing", 3)}
    ids = {h["X-Outpost-Delivery"] for h, _ in receiver.got}
    assert len(ids) == 1  # the same delivery id on every retry: the receiver can drop repeats


def test_a_hanging_webhook_costs_one_time_out(
    engine: Engine, settings: Settings, tmp_path: Path, receiver: Receiver
) -> None:
    prepared(engine, settings)
    rules = delivering_rules(tmp_path, receiver.url)
    check_articles(engine, rules, NOW)
    receiver.delay = 5.0
    started = time.monotonic()
    result = deliver_due(engine, rules, NOW, timeout=0.5, allow=LOOPBACK)
    assert time.monotonic() - started < 3.0 and result.failed == 2
    with engine.connect() as conn:
        (alert,) = list_alerts(conn, SYSTEM_WATCH)
    hook = next(d for d in alert.deliveries if d.target == "webhook:ops")
    assert "Timeout" in (hook.last_error or "")


# --- spikes alert by themselves ----------------------------------------------------------------


def test_a_spike_in_a_watched_country_alerts_by_itself(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rng = random.Random(7)
    lines = []
    for offset in range((SPIKE - START).days + 1):  # the stream ends on the spike day
        day = START + timedelta(days=offset)
        count = 9 if day == SPIKE else rng.choice((0, 1, 1, 2) if day.weekday() < 5 else (0, 1))
        lines += [json.dumps(article(rng, day, i)) for i in range(count)]
    source = tmp_path / "border.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest(engine, settings, [str(source)])
    analyze_store(engine)
    assert check_spikes(engine, RuleSet(()), NOW) >= 1
    assert check_spikes(engine, RuleSet(()), NOW) == 0  # once per series and day
    with engine.connect() as conn:
        (tj,) = [a for a in list_alerts(conn, SYSTEM_WATCH) if a.subject == f"country:TJ:{SPIKE}"]
    assert tj.rule_id == "spike" and "9 on" in tj.title


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_checks_rules_warns_and_manages_alerts(database_url: str, tmp_path: Path) -> None:
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    bad = runner.invoke(app, ["rules-check", str(rules_file(tmp_path, BAD))], env=env)
    assert bad.exit_code == 2 and "line 13: unknown section 'colour'" in bad.output
    for args in (["ingest", str(EXAMPLES)], ["analyze", "--all"]):
        assert runner.invoke(app, args, env=env).exit_code == 0
    warned = runner.invoke(app, ["warn", "--rules", str(EXAMPLES / "rules.yaml")], env=env)
    assert warned.exit_code == 0 and "8 clustered" in warned.output
    listed = json.loads(runner.invoke(app, ["alerts", "--json"], env=env).stdout)
    assert listed and all(a["state"] == "new" and a["deliveries"] == [] for a in listed)
    first, second = listed[0]["id"], listed[1]["id"]
    assert runner.invoke(app, ["alerts", "--ack", str(first)], env=env).exit_code == 0
    assert runner.invoke(app, ["alerts", "--close", str(second)], env=env).exit_code == 0
    acked = json.loads(
        runner.invoke(app, ["alerts", "--state", "acknowledged", "--json"], env=env).stdout
    )
    assert [a["id"] for a in acked] == [first]
    assert runner.invoke(app, ["alerts", "--ack", "999999"], env=env).exit_code == 1
    again = runner.invoke(app, ["warn", "--rules", str(EXAMPLES / "rules.yaml")], env=env)
    assert "0 new alerts" in again.output  # nothing raised twice
