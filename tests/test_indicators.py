"""Indicators: series written with each analysis on SQLite and PostgreSQL, a spike found on a
real analysed stream, the baseline's weekly rhythm and empty days, and the CLI."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

import outpost
from outpost.analyze.series import series_of
from outpost.cli import app
from outpost.config import Settings
from outpost.services.analysis import analyze_store
from outpost.services.indicators import readings
from outpost.services.ingest import ingest
from outpost.store.indicators import daily_counts
from outpost.store.schema import article_series, places
from outpost.warn.indicators import (
    FLOOR,
    MIN_HISTORY,
    expected,
    one_in_days,
    reading,
)

START = date(2025, 1, 6)  # a Monday
SPIKE = START + timedelta(days=40)

SENTENCES = (
    "Border guards of Tajikistan reported {n} shots fired near the Panj river.",
    "A patrol detained {n} people trying to cross from Afghanistan near Khorog.",
    "Officials in Dushanbe said the situation on the frontier remained tense.",
    "Local residents told reporters they had heard gunfire for {n} hours.",
    "The State Committee for National Security opened {n} criminal cases.",
    "Smugglers abandoned {n} kilograms of hashish on the riverbank.",
    "Farmers near Shahritus said fields close to the border were left untended.",
    "The Taliban said its fighters were not involved in the incident.",
    "Traders in Kulob complained that the crossing had been closed for {n} days.",
    "A spokesman promised an inquiry into the clash within {n} days.",
    "Relatives of the wounded gathered outside the hospital in Kulob for {n} hours.",
    "Drivers said {n} trucks were stuck at the Nizhny Panj crossing.",
    "The governor of Khatlon visited the district and met {n} elders.",
    "Analysts in Dushanbe warned that tensions could rise before winter.",
    "Journalists were not allowed within {n} kilometres of the frontier.",
    "Aid groups said {n} families had left villages along the river.",
)


def article(rng: random.Random, day: date, number: int) -> dict[str, str]:
    picked = rng.sample(SENTENCES, 4)
    text = " ".join(s.format(n=rng.randint(2, 900)) for s in picked)
    published = datetime(day.year, day.month, day.day, 8 + number % 10, tzinfo=UTC)
    return {"id": f"{day}-{number}", "text": text, "published": published.isoformat()}


def stream(path: Path) -> Path:
    """42 days of border reports: 0-2 a day, fewer at weekends, then 9 on the spike day."""
    rng = random.Random(7)
    lines = []
    for offset in range(42):
        day = START + timedelta(days=offset)
        count = 9 if day == SPIKE else rng.choice((0, 1, 1, 2) if day.weekday() < 5 else (0, 1))
        lines += [json.dumps(article(rng, day, i)) for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_spike_on_a_real_analysed_stream(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    summary = ingest(engine, settings, [str(stream(tmp_path / "border.jsonl"))])
    assert summary.failed == 0 and summary.near_duplicate == 0
    analyze_store(engine)
    with engine.connect() as conn:
        spike_day = {r.key: r for r in readings(conn, "country", SPIKE)}
        day_before = {r.key: r for r in readings(conn, "country", SPIKE - timedelta(days=1))}
        counts = daily_counts(conn, "country", START, SPIKE)
    tj = spike_day["TJ"]
    assert tj.observed == 9 and tj.expected < 2.5 and tj.spike and tj.one_in_days > 1000
    assert not day_before["TJ"].spike
    with engine.connect() as conn:
        placed_in_tj = conn.execute(
            select(func.count(func.distinct(places.c.article_id))).where(places.c.country == "TJ")
        ).scalar_one()
    assert sum(counts["TJ"]) == placed_in_tj > summary.new * 0.8  # each article once per day
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(article_series)).scalar_one()
    analyze_store(engine, redo=True)  # analysed again: replaced, not added to
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(article_series)).scalar_one() == before


def test_cli_prints_and_exports_indicators(database_url: str, tmp_path: Path) -> None:
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    source = stream(tmp_path / "border.jsonl")
    for args in (["ingest", str(source)], ["analyze", "--all"]):
        assert runner.invoke(app, args, env=env).exit_code == 0
    result = runner.invoke(app, ["indicators", "--json", "--day", str(SPIKE), "--spikes"], env=env)
    found = {r["key"]: r for r in json.loads(result.stdout)}
    assert found["TJ"]["spike"] and len(found["TJ"]["history"]) == 40
    table = runner.invoke(app, ["indicators", "--day", str(SPIKE)], env=env)
    (tj,) = [line for line in table.stdout.splitlines() if "│ TJ " in line]
    assert "spike" in tj and "1 in" in tj
    domains = runner.invoke(app, ["indicators", "--kind", "domain", "--json"], env=env)
    assert "border_security" in {r["key"] for r in json.loads(domains.stdout)}
    bad = runner.invoke(app, ["indicators", "--kind", "planet"], env=env)
    assert bad.exit_code == 2 and "country" in bad.output


def test_series_of_an_analysed_article() -> None:
    doc = outpost.analyze(
        "Militants attacked a border post in Khatlon province of Tajikistan on Monday, "
        "killing two guards, officials in Dushanbe said.",
        published=datetime(2025, 3, 10, tzinfo=UTC),
    )
    rows = {(r.kind, r.key): r.events for r in series_of(doc)}
    assert ("country", "TJ") in rows
    assert any(kind == "domain" for kind, _ in rows)
    assert sum(events for (kind, _), events in rows.items() if kind == "event_type") == len(
        doc.events
    )


# --- the baseline ---------------------------------------------------------------------------


def test_weekly_rhythm_expects_less_on_a_weekend() -> None:
    weeks = [10, 10, 10, 10, 10, 2, 2] * 8  # Monday..Sunday, eight weeks, oldest first
    monday = START + timedelta(days=56)
    saturday = monday + timedelta(days=5)
    history_to_saturday = [*weeks, 10, 10, 10, 10, 10]
    assert expected(weeks, monday) > 9
    assert expected(history_to_saturday, saturday) < 5


def test_empty_days_and_a_quiet_series() -> None:
    assert expected([], START) == FLOOR
    assert expected([0] * 56, START) == FLOOR
    quiet = [0] * 50 + [1] + [0] * 5  # one article in eight weeks
    assert expected(quiet, START) < 0.2
    busy_outlier = [1] * 27 + [40]  # one extreme day is trimmed from the level
    assert expected(busy_outlier, START + timedelta(days=28)) < 2


def test_rarity_has_a_plain_meaning() -> None:
    assert one_in_days(0, 3.0) == 1.0
    assert abs(one_in_days(1, 1.0) - 1 / (1 - 2.718281828**-1)) < 1e-6
    assert one_in_days(10, 1.0) > one_in_days(5, 1.0) > one_in_days(2, 1.0)
    new = reading("country", "TJ", START, [0] * (MIN_HISTORY - 2) + [20])
    assert new.score > 2 and not new.spike  # too little history to call it a spike
    known = reading("country", "TJ", START, [1] * MIN_HISTORY + [20])
    assert known.spike
