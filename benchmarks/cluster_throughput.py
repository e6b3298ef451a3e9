"""Throughput of `outpost cluster` on a store of 100,000 articles: new articles placed per
second, with the vectors analysis stored and without them (articles analysed before it
stored them, whose vectors clustering must make).

    .venv/bin/python benchmarks/cluster_throughput.py [--store 100000] [--new 3] [--database URL]

The store is built from real articles: the VOA stories and the ECB+ dev documents of
`../shared/data` (read at run time, never copied into the repository) are ingested, analysed
and clustered once, all within one week (the ECB+ documents on its first day, as the set
dates them; the VOA stories spread over the six days after, in their order). That week is
then copied, row for row (articles, analyses and facts, stories and their articles), into
consecutive weeks until the store holds `--store` articles, as if the same mix of news came
in every week for years; a story window around a new article then holds as many stories as
such a stream would. `--new` more weeks are then added, analysed but in no story, and
`cluster_store` places them; the time of that call is what is measured. The copies share
their texts' vectors and keys with their originals but are weeks apart, so they never meet.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select, update
from sqlalchemy import Table as SqlTable

from outpost.config import load_settings
from outpost.services.analysis import analyze_store
from outpost.services.ingest import ingest
from outpost.services.stories import cluster_store
from outpost.store import schema
from outpost.store.db import connect

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
WEEK = timedelta(days=7)
START = datetime(2022, 1, 3, tzinfo=UTC)  # a Monday
# The tables an article's analysis and story fill, copied with it (the facts' own ids and
# the events' parties and domains follow their rows).
FACTS = ("analyses", "mentions", "places", "dates", "threats", "events", "article_series")
BY_EVENT = ("event_parties", "event_domains")
CHUNK = 5_000


def week_of_news(folder: Path) -> Path:
    """The ECB+ dev documents and the VOA stories as one JSONL file, dated within one week."""
    items = []
    ecb = [json.loads(line) for line in (DATA / "stories" / "ecbplus_dev.jsonl").open()]
    for item in ecb:
        when = datetime.fromisoformat(item["published"].replace("Z", "+00:00"))
        item["published"] = (START + timedelta(hours=when.hour, minutes=when.minute)).isoformat()
        items.append({k: item[k] for k in ("id", "title", "text", "lang", "source", "published")})
    voa = [json.loads(line) for line in (DATA / "voa" / "voa_stories.jsonl").open()]
    voa.sort(key=lambda item: item["published"])
    step = timedelta(days=6) / len(voa)
    for i, item in enumerate(voa):
        when = START + timedelta(days=1) + i * step
        items.append(
            {
                "id": f"voa-{item['id']}",
                "title": item["title"],
                "text": item["text"],
                "lang": "en",
                "source": "VOA",
                "published": when.isoformat(),
            }
        )
    path = folder / "week.jsonl"
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), encoding="utf-8")
    return path


def rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(schema.metadata.tables[name])).mappings()]


def shifted(value: Any, by: timedelta) -> Any:
    return value + by if isinstance(value, datetime) else value


class Copier:
    """Writes copy `k` of the first week's articles (and, if asked, its stories) k weeks on."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.articles = rows(engine, "articles")
        self.facts = {name: rows(engine, name) for name in (*FACTS, *BY_EVENT)}
        self.stories = rows(engine, "stories")
        self.members = rows(engine, "story_articles")
        self.stride = {
            name: max((r.get("id", 0) for r in self.facts[name]), default=0) + 1
            for name in self.facts
        }
        self.article_stride = max(r["id"] for r in self.articles) + 1

    def batches(self, k: int, with_stories: bool) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        by = k * WEEK
        aid = k * self.article_stride
        yield (
            "articles",
            [
                {
                    **r,
                    "id": r["id"] + aid,
                    "uid": f"{r['uid'][:24]}{k:08x}",
                    "external_id": f"{r['external_id']}#{k}",
                    "url": None,
                    "url_key": None,
                    "text_hash": f"{r['text_hash'][:56]}{k:08x}",
                    "near_duplicate_of": None,
                    "published": shifted(r["published"], by),
                    "fetched": shifted(r["fetched"], by),
                }
                for r in self.articles
            ],
        )
        for name in FACTS:
            stride = k * self.stride[name]
            yield (
                name,
                [
                    {**r, "article_id": r["article_id"] + aid}
                    | ({"id": r["id"] + stride} if "id" in r else {})
                    for r in self.facts[name]
                ],
            )
        for name in BY_EVENT:
            stride = k * self.stride["events"]
            yield name, [{**r, "event_id": r["event_id"] + stride} for r in self.facts[name]]
        if with_stories:
            yield (
                "stories",
                [
                    {
                        **r,
                        "id": f"{r['id']}-{k}",
                        "merged_into": None,
                        "first_seen": shifted(r["first_seen"], by),
                        "last_seen": shifted(r["last_seen"], by),
                    }
                    for r in self.stories
                ],
            )
            yield (
                "story_articles",
                [
                    {**r, "article_id": r["article_id"] + aid, "story_id": f"{r['story_id']}-{k}"}
                    for r in self.members
                ],
            )

    def write(self, k: int, with_stories: bool) -> None:
        with self.engine.begin() as conn:
            for name, found in self.batches(k, with_stories):
                table: SqlTable = schema.metadata.tables[name]
                for i in range(0, len(found), CHUNK):
                    conn.execute(table.insert(), found[i : i + CHUNK])


def build(url: str, folder: Path, store: int, console: Console) -> tuple[Engine, Copier, int]:
    engine = connect(url)
    settings = load_settings({"OUTPOST_DATABASE_URL": url, "OUTPOST_DATA_DIR": str(folder)})
    started = time.perf_counter()
    ingest(engine, settings, [str(week_of_news(folder))])
    analyze_store(engine, workers=2)
    cluster_store(engine)
    copier = Copier(engine)
    console.print(
        f"one week: {len(copier.articles)} articles, {len(copier.stories)} stories, "
        f"analysed and clustered in {time.perf_counter() - started:.0f} s"
    )
    weeks = max(1, -(-store // len(copier.articles)))
    started = time.perf_counter()
    for k in range(1, weeks):
        copier.write(k, with_stories=True)
    console.print(f"{weeks} weeks copied in {time.perf_counter() - started:.0f} s")
    return engine, copier, weeks


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.articles)).scalar_one())


def measure(engine: Engine, copier: Copier, first: int, new: int, vectors: bool) -> list[str]:
    size = stored(engine)
    for k in range(first, first + new):
        copier.write(k, with_stories=False)
    if not vectors:
        low = first * copier.article_stride
        with engine.begin() as conn:
            conn.execute(
                update(schema.analyses)
                .where(schema.analyses.c.article_id >= low)
                .values(vector=None)
            )
    started = time.perf_counter()
    done = cluster_store(engine)
    seconds = time.perf_counter() - started
    return [
        f"{size:,}",
        "stored" if vectors else "made now",
        f"{done.articles:,}",
        f"{done.joined:,}",
        f"{seconds:.1f}",
        f"{done.articles / seconds:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=int, default=100_000, help="articles in the store")
    parser.add_argument("--new", type=int, default=3, help="weeks of new articles to place")
    parser.add_argument("--database", help="a database URL (default: SQLite in a temp folder)")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database or f"sqlite:///{folder / 'bench.db'}"
        engine, copier, weeks = build(url, folder, args.store, console)
        table = Table(title="outpost cluster: new articles placed per second")
        for column in ("store", "vectors", "articles", "joined", "seconds", "articles/s"):
            table.add_column(column, justify="left" if column == "vectors" else "right")
        table.add_row(*measure(engine, copier, weeks, args.new, vectors=True))
        table.add_row(*measure(engine, copier, weeks + args.new, 1, vectors=False))
        console.print(table)


if __name__ == "__main__":
    main()
