"""Stories: the sample articles grouped across languages on SQLite and PostgreSQL, the same
stories whether articles come at once or one batch after another, analysts' merge and split
kept, the CLI, and the clustering rule and its score on small hand-made cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from outpost.analyze.leads import MAPPED_LANGS, VECTOR_LANGS
from outpost.cli import app
from outpost.config import Settings
from outpost.evaluate.stories import b_cubed, cross_lingual_recall
from outpost.records import Sketch, StoryState
from outpost.services.analysis import analyze_store
from outpost.services.ingest import ingest
from outpost.services.stories import cluster_store, merge, split
from outpost.store.db import connect
from outpost.store.schema import analyses, articles
from outpost.store.stories import StoryFilter, get_story, list_stories
from outpost.warn.stories import QUIET, Clusterer
from tests.conftest import EXAMPLES

TRAIN = {"voa-8011076", "voa-8009314", "voa-8007760", "voa-8006651"}  # + the VOA page
CSTO_AUGUST = {"seed-002", "kremlin-ru-66433"}


def grouping(engine: Engine) -> set[frozenset[str]]:
    """Stories as sets of article keys (external id, else title), ids left aside."""
    with engine.connect() as conn:
        found = list_stories(conn, StoryFilter(limit=None), with_articles=True)
    return {frozenset(a.external_id or a.title or a.uid for a in s.articles) for s in found}


def clustered_examples(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings, [str(EXAMPLES)])
    analyze_store(engine)
    cluster_store(engine)


def test_examples_group_into_stories_across_languages(engine: Engine, settings: Settings) -> None:
    clustered_examples(engine, settings)
    groups = grouping(engine)
    assert len(groups) == 3
    (train,) = [g for g in groups if g >= TRAIN]
    assert len(train) == 5  # the four JSONL stories and the VOA page of the same attack
    assert frozenset(CSTO_AUGUST) in groups  # the Russian and the English report
    assert frozenset({"seed-000"}) in groups  # a different summit, a month later
    with engine.connect() as conn:
        (csto,) = [
            s
            for s in list_stories(conn, StoryFilter(limit=None))
            if s.languages.keys() == {"en", "ru"}
        ]
    assert csto.article_count == 2 and "org:csto" in csto.actors
    assert cluster_store(engine).articles == 0  # every article is placed once


def test_one_batch_after_another_gives_the_same_stories(
    engine: Engine, settings: Settings, another_database_url: str
) -> None:
    ingest(engine, settings, [str(EXAMPLES / "more_stories.jsonl")])
    analyze_store(engine)
    first = cluster_store(engine)
    ingest(engine, settings, [str(EXAMPLES)])  # the seeds and the page come later
    analyze_store(engine)
    later = cluster_store(engine)
    assert (first.articles, later.articles) == (5, 3)
    assert later.joined == 2  # seed 002 joins the Russian report, the page joins the attack
    other = connect(another_database_url)
    clustered_examples(other, settings.with_database(another_database_url))
    assert grouping(engine) == grouping(other)


def test_merge_and_split_are_kept(engine: Engine, settings: Settings) -> None:
    clustered_examples(engine, settings)
    with engine.connect() as conn:
        ids = {
            frozenset(a.external_id for a in s.articles): s.id
            for s in list_stories(conn, StoryFilter(limit=None), with_articles=True)
        }
    august, september = ids[frozenset(CSTO_AUGUST)], ids[frozenset({"seed-000"})]
    merged = merge(engine, august, september)
    assert len(merged.articles) == 3
    with engine.connect() as conn:
        gone = get_story(conn, september)
        kept = get_story(conn, august)
    assert gone is not None and gone.state == "merged" and gone.merged_into == august
    assert kept is not None and kept.article_count == 3 and kept.title
    assert frozenset(CSTO_AUGUST | {"seed-000"}) in grouping(engine)

    alone = split(engine, "kremlin-ru-66433")
    assert alone.id not in (august, september)
    with engine.connect() as conn:
        moved = get_story(conn, alone.id)
        rest = get_story(conn, august)
    assert moved is not None and [a.pinned for a in moved.articles] == [True]
    assert rest is not None and rest.article_count == 2 and rest.languages == {"en": 2}
    cluster_store(engine)  # a later run changes none of it
    assert frozenset({"kremlin-ru-66433"}) in grouping(engine)
    assert frozenset({"seed-002", "seed-000"}) in grouping(engine)


def test_merge_and_split_refuse_what_makes_no_sense(engine: Engine, settings: Settings) -> None:
    clustered_examples(engine, settings)
    with engine.connect() as conn:
        (single, *_) = [
            s for s in list_stories(conn, StoryFilter(limit=None)) if s.article_count == 1
        ]
    for call, message in (
        (lambda: merge(engine, single.id, single.id), "into itself"),
        (lambda: merge(engine, single.id, "s-nope"), "no story"),
        (lambda: split(engine, "seed-000"), "already alone"),
        (lambda: split(engine, "no-such-article"), "in no story"),
    ):
        try:
            call()
        except (LookupError, ValueError) as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"accepted: {message}")


def test_cli_lists_and_shows_stories(database_url: str, tmp_path: Path) -> None:
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    for args in (["ingest", str(EXAMPLES)], ["analyze", "--all"], ["cluster"]):
        assert runner.invoke(app, args, env=env).exit_code == 0, args
    result = runner.invoke(app, ["stories", "--json", "--lang", "ru"], env=env)
    (story,) = json.loads(result.stdout)
    assert {a["external_id"] for a in story["articles"]} == CSTO_AUGUST
    assert {a["lang"] for a in story["articles"]} == {"en", "ru"}
    assert all(a["title"] and a["source"] for a in story["articles"])
    shown = runner.invoke(app, ["story", story["id"]], env=env)
    assert shown.exit_code == 0 and "Extraordinary" in shown.stdout and "ОДКБ" in shown.stdout
    assert runner.invoke(app, ["story", "s-nope"], env=env).exit_code == 1
    assert runner.invoke(app, ["story-merge", story["id"], "s-nope"], env=env).exit_code == 1
    table = runner.invoke(app, ["stories", "--country", "PK", "--min-articles", "2"], env=env)
    assert "train" in table.stdout and "1 stories" in " ".join(table.stdout.split())


# --- the rule itself, on hand-made sketches -------------------------------------------------


def sketch(article: str, when: datetime, vector: list[float] | None, *keys: str) -> Sketch:
    unit = None
    if vector is not None:
        array = np.asarray(vector, dtype=np.float32)
        unit = array / np.linalg.norm(array)
    return Sketch(article, when, "en", "test", article, unit, frozenset(keys))


DAY = datetime(2025, 3, 11, tzinfo=UTC)


def test_an_article_joins_by_meaning_and_keys_only_within_the_window() -> None:
    clusterer = Clusterer()
    first, _ = clusterer.add(sketch("a", DAY, [1, 0, 0], "place:1", "actor:group:bla"))
    same, score = clusterer.add(sketch("b", DAY + timedelta(days=1), [0.9, 0.1, 0], "place:1"))
    assert same.id == first.id and score >= 0.5
    other, _ = clusterer.add(sketch("c", DAY, [0, 1, 0], "place:2"))
    assert other.id != first.id  # different meaning, different places
    late, _ = clusterer.add(sketch("d", DAY + timedelta(days=30), [1, 0, 0], "place:1"))
    assert late.id != first.id  # the same words a month later: a new story


def test_keys_alone_carry_a_language_without_vectors() -> None:
    clusterer = Clusterer()
    first, _ = clusterer.add(sketch("a", DAY, [1, 0], "place:1", "actor:group:bla", "country:PK"))
    joined, _ = clusterer.add(sketch("u", DAY, None, "place:1", "actor:group:bla", "country:PK"))
    assert joined.id == first.id
    apart, _ = clusterer.add(sketch("v", DAY, None, "country:PK"))
    assert apart.id != first.id  # a country alone is not enough


def test_reports_dated_in_other_years_are_kept_apart() -> None:
    # Close enough to join by meaning and a shared place, but for the years they date.
    near = [0.3, 0.954]

    def second(*keys: str) -> bool:
        clusterer = Clusterer()
        first, _ = clusterer.add(sketch("a", DAY, [1, 0], "place:1", "date:2005-11"))
        story, _ = clusterer.add(sketch("b", DAY, near, "place:1", *keys))
        return story.id == first.id

    assert second("date:2005-03")  # another month of the same year
    assert second()  # no date written out: nothing to tell them apart
    assert not second("date:2008-12")  # only another year: another development


def test_only_dates_written_with_their_year_become_keys() -> None:
    from outpost.analyze.pipeline import default_pipeline
    from outpost.records import Doc
    from outpost.warn.sketches import sketch_keys

    text = (
        "The navy stopped a pirate attack on 11 November 2011 in the Gulf of Aden. "
        "Another ship was boarded on Tuesday."
    )
    doc = next(iter(default_pipeline().pipe([Doc("d", text, DAY, None, "en")])))
    dated = {k for k in sketch_keys(doc) if k.startswith("date:")}
    assert dated == {"date:2011-11"}  # "on Tuesday" would only repeat the publication week


def test_pins_and_merges_steer_new_articles() -> None:
    target = StoryState("s-target", DAY, DAY)
    merged = StoryState("s-old", DAY, DAY, merged_into="s-target")
    clusterer = Clusterer([target, merged], pins={"p": "s-old"})
    story, score = clusterer.add(sketch("p", DAY, [1, 0], "place:9"))
    assert story.id == "s-target" and score == 1.0  # the pin follows the merge
    assert [s.id for s in clusterer.candidates(DAY)] == ["s-target"]
    assert clusterer.close_quiet(DAY + QUIET + timedelta(days=1)) == [target]


def test_b_cubed_and_cross_lingual_recall_on_a_known_case() -> None:
    gold = {"a": "x", "b": "x", "c": "y"}
    assert b_cubed({"a": "1", "b": "1", "c": "2"}, gold) == (1.0, 1.0)
    precision, recall = b_cubed({"a": "1", "b": "1", "c": "1"}, gold)
    assert (round(precision, 3), recall) == (round((2 / 3 + 2 / 3 + 1 / 3) / 3, 3), 1.0)
    langs: dict[str, str | None] = {"a": "en", "b": "ru", "c": "en"}
    assert cross_lingual_recall({"a": "1", "b": "2", "c": "3"}, gold, langs) == 0.0
    assert cross_lingual_recall({"a": "1", "b": "1", "c": "3"}, gold, langs) == 1.0


# Sketches whose stories gather more keys than a story is described by, with ties in their
# counts at the cut: which keys describe a story then depends on how ties are broken.
CROWDED = """
import json, random
from datetime import UTC, datetime, timedelta
import numpy as np
from outpost.records import Sketch
from outpost.warn.stories import cluster
draw = random.Random(7)
rows = np.random.default_rng(7).normal(size=(160, 4)).astype(np.float32)
day = datetime(2025, 3, 11, tzinfo=UTC)
found = []
for i, row in enumerate(rows):
    keys = frozenset(f"place:{draw.randrange(40)}" for _ in range(9))
    when = day + timedelta(minutes=i)
    found.append(Sketch(f"a{i}", when, "en", "t", "", row / np.linalg.norm(row), keys))
print(json.dumps(cluster(found), sort_keys=True))
"""


def test_the_same_articles_give_the_same_stories_whatever_the_hash_seed() -> None:
    runs = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", CROWDED], env=env, capture_output=True, text=True, check=True
        )
        runs.add(done.stdout)
    assert len(runs) == 1
    assert len(set(json.loads(runs.pop()).values())) > 1  # a real choice was made


def test_stats_count_what_analysts_corrected_and_the_log_says_who(
    database_url: str, tmp_path: Path
) -> None:
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    for args in (["ingest", str(EXAMPLES)], ["analyze", "--all"], ["cluster"]):
        assert runner.invoke(app, args, env=env).exit_code == 0, args

    def stats(*more: str) -> dict[str, object]:
        result = runner.invoke(app, ["stories", "--stats", "--json", *more], env=env)
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    before = stats()
    assert before["articles_placed"] == 8 and before["stories_merged_by_analysts"] == 0
    assert before["corrections_per_100_articles"] == 0
    listed = json.loads(runner.invoke(app, ["stories", "--json"], env=env).stdout)
    ids = {frozenset(a["external_id"] for a in s["articles"]): s["id"] for s in listed}
    august, september = ids[frozenset(CSTO_AUGUST)], ids[frozenset({"seed-000"})]
    assert runner.invoke(app, ["story-merge", august, september], env=env).exit_code == 0
    assert runner.invoke(app, ["story-split", "kremlin-ru-66433"], env=env).exit_code == 0
    after = stats()
    assert after["articles_placed"] == 8  # the split article moved; none was added
    assert (after["stories_merged_by_analysts"], after["articles_split_out_by_analysts"]) == (1, 1)
    assert after["corrections_per_100_articles"] == 25.0
    assert stats("--since", "2999-01-01")["articles_placed"] == 0
    table = runner.invoke(app, ["stories", "--stats"], env=env)
    assert "corrections per 100 articles" in table.stdout and "25.00" in table.stdout
    log = json.loads(runner.invoke(app, ["audit", "list", "--json"], env=env).stdout)
    done = {(e["action"], e["target"]) for e in log}
    assert ("story.merge", f"story:{september}") in done
    assert ("story.split", "article:kremlin-ru-66433") in done


def test_vectors_are_stored_with_the_analysis_and_made_when_missing(
    engine: Engine, settings: Settings, another_database_url: str
) -> None:
    ingest(engine, settings, [str(EXAMPLES)])
    analyze_store(engine)
    with engine.connect() as conn:
        found = conn.execute(
            select(articles.c.lang, analyses.c.vector).join(
                analyses, analyses.c.article_id == articles.c.id
            )
        ).all()
    assert {lang for lang, vector in found if vector} >= {"en", "ru"}
    assert all(len(vector) == 512 * 4 for _, vector in found if vector)
    assert all(vector is None for lang, vector in found if lang not in VECTOR_LANGS | MAPPED_LANGS)
    with engine.begin() as conn:  # as if analysed before vectors were kept
        conn.execute(update(analyses).values(vector=None))
    cluster_store(engine)
    other = connect(another_database_url)
    clustered_examples(other, settings.with_database(another_database_url))
    assert grouping(engine) == grouping(other)
