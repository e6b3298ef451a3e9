"""Nothing hostile reaches the terminal, and every error is one line (issue 11).

Hostile text is written with the store's own functions, as a database filled before ingest
stripped it (or by someone else) would hold it; then the real CLI lists it on SQLite and
PostgreSQL. Errors are replayed as real conditions: a closed port, a read-only database, an
output device that is full.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.text import Text
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from outpost.cli import app
from outpost.cli.context import context
from outpost.config import load_settings, sqlite_url
from outpost.records import Doc, Draft, Event, Failure, StoryState
from outpost.services.context import SYSTEM_WATCH
from outpost.services.ingest import save_draft
from outpost.store import connect
from outpost.store.alerts import list_alerts, raise_alert, record_attempt
from outpost.store.facts import save_analysis
from outpost.store.failures import record_failure
from outpost.store.schema import articles, stories
from outpost.store.stories import assign, save_state
from outpost.terminal import console, dumps
from tests.conftest import _postgres_schema_url

runner = CliRunner()

# Clear the screen, write the clipboard (OSC 52), a hidden link (OSC 8), a one-character CSI
# (U+009B), a bell, a right-to-left override and an isolate, and Rich markup.
EVIL = (
    "\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07"
    "\x9b31m\u202eexe.txt\u2066 [/] [bold"
)
SHORT = "x\x1b[2J\x9b\u202e"  # for the columns of a few characters
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
STORY = "s-hostile"
# What a terminal obeys or reorders by: C0 but the line break, DEL, C1, bidi controls.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def unsafe(output: str) -> list[str]:
    return sorted(set(UNSAFE.findall(output)))


def strings(data: object) -> list[str]:
    """Every string in parsed JSON, keys too, however deep."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [*data, *(text for value in data.values() for text in strings(value))]
    if isinstance(data, list):
        return [text for value in data for text in strings(value)]
    return []


def _article(engine: Engine, tmp_path: Path) -> tuple[int, str]:
    draft = Draft(
        text=f"Zebrafish were seen at the border. {EVIL} More zebrafish followed.",
        source=f"Source {EVIL}",
        locator=str(tmp_path / f"news {EVIL}.txt"),
        raw=b"raw",
        media_type="text/plain",
        title=f"Clash {EVIL}",
        url=None,
        published=NOW,
        lang="en",
        external_id=f"ext-{SHORT}",
    )
    uid = save_draft(engine, draft).uid
    with engine.connect() as conn:
        row = conn.execute(select(articles.c.id, articles.c.title).where(articles.c.uid == uid))
        article_id, title = row.one()
    assert title == draft.title  # the store keeps what it is given: the CLI is what is tested
    return article_id, uid


def _event(engine: Engine, article_id: int, uid: str) -> None:
    event = Event(
        type=f"ATTACK{SHORT}",
        score=0.9,
        evidence=f"Zebrafish attacked {EVIL}",
        start=0,
        end=10,
        actors=(f"actor {EVIL}",),
        targets=(f"target {EVIL}",),
        date="2026-03-01",
        domains=(f"domain{SHORT}",),
    )
    with engine.begin() as conn:
        save_analysis(conn, article_id, Doc(id=uid, text="t", events=(event,)), f"v{SHORT}")


def _story_and_alert(engine: Engine, article_id: int, uid: str) -> None:
    state = StoryState(STORY, NOW, NOW, articles=[uid], title=f"Story {EVIL}")
    for name in ("sources", "places", "actors", "domains", "langs", "types"):
        getattr(state, name).update(Counter({f"{name} {EVIL}": 1}))
    grade = {"severity": "severe", "urgency": "immediate", "certainty": "observed"}
    with engine.begin() as conn:
        save_state(conn, state)
        assign(conn, article_id, STORY, 0.9, False)
        evidence = [{"sentence": f"Sentence {EVIL}"}]
        raise_alert(conn, "rule", STORY, STORY, grade, f"Alert {EVIL}", evidence, ["w:x"], NOW)
        (alert,) = list_alerts(conn, SYSTEM_WATCH)
        (delivery,) = alert.deliveries
        record_attempt(conn, delivery.id, f"HTTP 500: {EVIL}", NOW, NOW + timedelta(minutes=1))


@pytest.fixture
def hostile_store(database_url: str, tmp_path: Path) -> dict[str, str]:
    engine = connect(database_url)
    article_id, uid = _article(engine, tmp_path)
    _event(engine, article_id, uid)
    _story_and_alert(engine, article_id, uid)
    with engine.begin() as conn:
        record_failure(conn, Failure(str(tmp_path / f"bad {EVIL}.bin"), f"binary: {EVIL}"))
    engine.dispose()
    return {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path), "uid": uid}


COMMANDS = [
    ["articles"],
    ["article", "{uid}"],
    ["search", "zebrafish"],
    ["ingest-errors"],
    ["stats"],
    ["stories"],
    ["story", STORY],
    ["alerts"],
    ["events"],
]


def test_stored_control_sequences_never_reach_the_terminal(
    hostile_store: dict[str, str],
) -> None:
    env = {k: v for k, v in hostile_store.items() if k.startswith("OUTPOST_")}
    for command in COMMANDS:
        args = [arg.format(uid=hostile_store["uid"]) for arg in command]
        result = runner.invoke(app, args, env=env)
        output = result.stdout + result.stderr
        assert result.exit_code == 0, (args, output, result.exception)
        assert unsafe(output) == [], (args, unsafe(output))
        # Shown, not dropped: the reader sees that the text held an escape sequence
        # (narrow columns cut the rest with an ellipsis).
        assert "\\x1b" in output, (args, output)
        if args[0] == "article":
            assert all(f"\\{code}" in output for code in ("x1b", "x9b", "u202e", "u2066"))


def test_json_output_escapes_them_and_keeps_the_same_data(
    hostile_store: dict[str, str],
) -> None:
    env = {k: v for k, v in hostile_store.items() if k.startswith("OUTPOST_")}
    for command in COMMANDS:
        args = [arg.format(uid=hostile_store["uid"]) for arg in command] + ["--json"]
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, (args, result.output)
        assert unsafe(result.stdout.replace("\t", "")) == [], args
        assert any(EVIL in text for text in strings(json.loads(result.stdout))), args
    shown = runner.invoke(app, ["article", hostile_store["uid"], "--json"], env=env).stdout
    assert json.loads(shown)["title"] == f"Clash {EVIL}"
    assert "\\u009b" in shown and "\\u202e" in shown and "\\u001b" in shown


def test_a_hostile_file_name_in_the_ingest_summary_is_neutralised(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = folder / "report\x1b]52;c;ZXZpbA==\x07\x9b2J\u202egnp.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["ingest", str(folder)], env=env)
    assert result.exit_code == 1, result.output  # the item failed, and is listed
    assert "failed" in result.stdout and "report" in result.stdout
    assert unsafe(result.stdout + result.stderr) == []
    listed = runner.invoke(app, ["ingest-errors"], env=env)
    assert "Ingest errors (1)" in listed.stdout and unsafe(listed.stdout + listed.stderr) == []


def test_typed_markup_and_controls_are_echoed_safely(database_url: str, tmp_path: Path) -> None:
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    for args, code, echoed in (
        (["story", "[/]"], 1, "'[/]'"),
        (["article", "[bold"], 1, "'[bold'"),
        (["story-merge", "[/]", "[red]"], 1, ""),
        (["articles", "--since", "[/]\x1b[2J"], 2, "[/]"),
        (["stories", "--since", "[/]\x9b"], 2, "[/]"),
        (["events", "--since", "[/]\u202e"], 2, "[/]"),
    ):
        result = runner.invoke(app, args, env={**env, "COLUMNS": "300"})
        output = result.stdout + result.stderr
        assert result.exit_code == code, (args, output, result.exception)
        assert isinstance(result.exception, SystemExit | None), (args, result.exception)
        assert echoed in output and unsafe(output) == [], (args, output)


def test_the_console_net_keeps_rich_styles_and_neutralises_the_rest() -> None:
    # A renderable that bypasses `shown` (Text is never markup-parsed) on a colour terminal.
    shown = console()
    shown.file = buffer = io.StringIO()
    shown._force_terminal = True  # a real colour terminal, without a tty
    shown._color_system = shown._detect_color_system()
    shown.print(Text(f"title {EVIL}", style="bold red"), "[green]ok[/]")
    printed = buffer.getvalue()
    sequences = set(re.findall(r"\x1b\[[0-9;]*[A-Za-z]", printed))
    assert sequences and all(s.endswith("m") for s in sequences)  # colours only
    assert "\x1b]" not in printed and unsafe(re.sub(r"\x1b\[[0-9;]*m", "", printed)) == []
    data = {"title": EVIL, "n": [1, "\x7f\u2067"]}
    assert json.loads(dumps(data)) == data and unsafe(dumps(data)) == []


# --- errors: one line on standard error, status 2 -----------------------------------------


def outpost(env: dict[str, str], *args: str, stdout: int | None = None) -> tuple[int, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    done = subprocess.run(
        [sys.executable, "-m", "outpost", *args],
        env={**base, **env},
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stderr


def test_a_closed_database_port_is_one_line(tmp_path: Path) -> None:
    env = {
        "OUTPOST_DATABASE_URL": "postgresql+psycopg://127.0.0.1:1/test",
        "OUTPOST_DATA_DIR": str(tmp_path),
    }
    code, stderr = outpost(env, "stats")
    assert code == 2 and len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("outpost: ") and "refused" in stderr
    code, stderr = outpost({**env, "OUTPOST_DEBUG": "1"}, "stats")
    assert code != 0 and "Traceback" in stderr  # the debugging switch shows everything


def test_a_read_only_database_a_full_disk_and_a_bad_setting_are_one_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outpost.db"
    connect(sqlite_url(path)).dispose()
    env = {"OUTPOST_DATA_DIR": str(tmp_path)}
    read_only = {**env, "OUTPOST_DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true"}
    code, stderr = outpost(read_only, "alerts", "--ack", "1")
    assert code == 2 and len(stderr.splitlines()) == 1 and "read-only" in stderr, stderr
    writable = {**env, "OUTPOST_DATABASE_URL": sqlite_url(path)}
    with Path(os.devnull).open("w") as sink:
        assert outpost(writable, "stats", "--json", stdout=sink.fileno())[0] == 0
    with Path("/dev/full").open("w") as full:  # a device that is always full: ENOSPC
        code, stderr = outpost(writable, "stats", "--json", stdout=full.fileno())
    assert code == 2 and len(stderr.splitlines()) == 1, stderr
    assert "full" in stderr or "no space" in stderr.lower()
    code, stderr = outpost({**writable, "OUTPOST_FETCH_TIMEOUT": "nan"}, "stats")
    assert code == 2 and len(stderr.splitlines()) == 1 and "fetch_timeout" in stderr, stderr


def test_the_cli_opens_the_store_with_the_statement_timeout(tmp_path: Path) -> None:
    env = {"OUTPOST_DATA_DIR": str(tmp_path), "OUTPOST_STATEMENT_TIMEOUT": "1.5"}
    with contextlib.closing(_postgres_schema_url()) as urls:
        settings = load_settings({**env, "OUTPOST_DATABASE_URL": next(urls)})
        engine = context(settings).engine
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "1500ms"
        engine.dispose()


def test_an_unexpected_error_is_one_line_that_says_how_to_see_more(
    database_url: str, tmp_path: Path
) -> None:
    # A database someone else wrote: a story whose summary is not JSON.
    engine = connect(database_url)
    with engine.begin() as conn:
        save_state(conn, StoryState(STORY, NOW, NOW, title="A story"))
        conn.execute(update(stories).values(summary="{\x1b[2J"))
    engine.dispose()
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    code, stderr = outpost(env, "story", STORY)
    assert code == 2 and len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("outpost: unexpected JSONDecodeError: ")
    assert stderr.rstrip().endswith("(set OUTPOST_DEBUG=1 for the traceback)")
    assert unsafe(stderr) == []


def test_search_shows_an_article_with_its_own_guillemets(database_url: str, tmp_path: Path) -> None:
    # The snippet marks matches with « and »: an article's own lone » once closed a style
    # that was never opened (a markup error, and a traceback).
    engine = connect(database_url)
    text = "Markets » prices. Tajik «zebrafish» border posts closed » again."
    draft = Draft(text, "wire", "wire#1", b"raw", "text/plain", title="Zebrafish « »", lang="en")
    save_draft(engine, draft)
    engine.dispose()
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["search", "zebrafish"], env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "1 articles match 'zebrafish'" in result.stdout and "prices" in result.stdout
