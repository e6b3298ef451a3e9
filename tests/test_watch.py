"""`outpost watch` over real HTTP: a feed and its pages on loopback, a webhook receiver; the
cycle's structured log; a feed that turns into garbage; a cycle that fails (a table of the
real database gone for a while) logged while the loop goes on; a real process killed with
SIGKILL and restarted (nothing lost, nothing twice), then stopped cleanly with SIGTERM."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from outpost.analyze.pipeline import Pipeline, default_pipeline
from outpost.config import FeedSource, Settings
from outpost.services.context import SYSTEM_WATCH
from outpost.services.watch import Watcher
from outpost.store.alerts import list_alerts
from outpost.store.db import connect
from outpost.store.schema import alert_checks, analyses, articles, story_articles
from outpost.warn.rules import RuleSet, load_rules
from tests.conftest import ROOT
from tests.loopback_site import Reply, Site, article_html, html_reply, serve
from tests.test_alerts import SECRET
from tests.test_feeds import ENTRIES, STORIES, rss
from tests.webhook_receiver import Receiver

RULES = """
rules:
  - id: frontier
    name: The southern frontier
    places: {{countries: [TJ, AF, KG]}}
    deliver: [webhook:ops]
webhooks:
  ops: {{url: "{url}", secret_env: OPS_SECRET}}
"""


@pytest.fixture
def wire() -> Iterator[Site]:
    with serve() as site:
        site.routes["/rss"] = Reply(200, rss(site, ENTRIES), {"Content-Type": "application/xml"})
        for entry in ENTRIES:
            site.routes[entry.path] = html_reply(article_html(entry.title, STORIES[entry.slug]))
        site.routes["/garbage"] = Reply(200, b"\x00\xff<rss>" * 50, {"Content-Type": "text/xml"})
        yield site


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_cycles_take_articles_from_feed_to_delivered_alert(
    engine: Engine, settings: Settings, wire: Site, receiver: Receiver, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.format(url=receiver.url), encoding="utf-8")
    rules = load_rules(path, env={"OPS_SECRET": SECRET})
    feeds = (FeedSource(wire.url("/rss"), 0.5), FeedSource(wire.url("/garbage"), 0.5))
    log = io.StringIO()
    watcher = Watcher(engine, settings, feeds, rules, default_pipeline(), log, every=0.5)
    watcher.run(cycles=2)
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    first, second = [x for x in lines if x["event"] == "cycle"]
    assert (first["feeds"], first["new"], first["analysed"], first["clustered"]) == (2, 4, 4, 4)
    assert first["failed"] == 1 and first["alerts_new"] >= 1
    assert (second["new"], second["analysed"]) == (0, 0)  # seen entries are not fetched again
    assert any(x["event"] == "failure" and "/garbage" in x["locator"] for x in lines)
    with engine.connect() as conn:
        raised = list_alerts(conn, SYSTEM_WATCH)
    assert raised and all(d.state == "sent" for a in raised for d in a.deliveries)
    posted = [json.loads(body)["id"] for _, body in receiver.got]
    assert sorted(posted) == sorted(a.id for a in raised)  # each alert delivered once
    assert wire.hits(ENTRIES[0].path) == 1


def rename(engine: Engine, table: str, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {table} RENAME TO {name}"))


def events(log: io.StringIO, kind: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    return [x for x in lines if x["event"] == kind]


def test_a_failing_cycle_is_logged_and_the_loop_goes_on(engine: Engine, settings: Settings) -> None:
    # The table the rule step reads is gone, as if the database were half away: every cycle
    # fails in that step until it is back.
    rename(engine, "alert_checks", "alert_checks_away")
    log = io.StringIO()
    watcher = Watcher(engine, settings, (), RuleSet(()), Pipeline([]), log, every=0.1)
    loop = threading.Thread(target=watcher.run)
    loop.start()
    time.sleep(1.6)
    errors = events(log, "cycle-error")
    rename(engine, "alert_checks_away", "alert_checks")
    wait_for(lambda: events(log, "cycle"), seconds=10)
    watcher.stop.set()
    loop.join(timeout=30)
    assert not loop.is_alive()
    # Tried after 0.2, 0.4, 0.8 s: backing off, not once every 0.1 s (16 times).
    assert 2 <= len(errors) <= 6, errors
    for line in errors:
        error = str(line["error"])
        assert error.startswith(("OperationalError: ", "ProgrammingError: ")), error
        assert "alert_checks" in error and "\n" not in error and "[SQL" not in error
    # A cycle may fail between the count above and the table's return: number them all.
    failed = events(log, "cycle-error")
    numbers = [x["cycle"] for x in failed] + [x["cycle"] for x in events(log, "cycle")]
    assert numbers == list(range(1, len(numbers) + 1))  # every cycle counted, once


def watch_process(
    database_url: str, tmp_path: Path, feed: str, rules: Path
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "OUTPOST_DATABASE_URL": database_url,
        "OUTPOST_DATA_DIR": str(tmp_path),
        "OUTPOST_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
        "OPS_SECRET": SECRET,
    }
    command = [sys.executable, "-m", "outpost", "watch", "--feed", feed, "--interval", "1"]
    return subprocess.Popen(
        [*command, "--rules", str(rules), "--every", "0.5"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_for(condition: object, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_killed_and_restarted_it_loses_nothing_and_sends_nothing_twice(
    database_url: str, tmp_path: Path, wire: Site, receiver: Receiver
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(url=receiver.url), encoding="utf-8")
    engine = connect(database_url)
    first = watch_process(database_url, tmp_path, wire.url("/rss"), rules)
    wait_for(lambda: count(engine, articles) >= 1)  # killed while ingesting or analysing
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    second = watch_process(database_url, tmp_path, wire.url("/rss"), rules)
    wait_for(lambda: count(engine, alert_checks) == len(ENTRIES) and receiver.got)
    time.sleep(2.0)  # a few more cycles: nothing new may happen
    second.send_signal(signal.SIGTERM)
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[-1]["event"] == "stopping" or any(x["event"] == "stopping" for x in lines)
    for table in (articles, analyses, story_articles, alert_checks):
        assert count(engine, table) == len(ENTRIES), table
    with engine.connect() as conn:
        raised = list_alerts(conn, SYSTEM_WATCH)
    deliveries = [h["X-Outpost-Delivery"] for h, _ in receiver.got]
    assert len(deliveries) == len(set(deliveries)) == len(raised)
    engine.dispose()
