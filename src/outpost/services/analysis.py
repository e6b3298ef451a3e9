"""Analysing the stored articles: each one's facts stored in its own transaction, so a run
stopped at any moment loses nothing it finished."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from outpost.analyze.pipeline import BATCH_SIZE, VERSION, Pipeline
from outpost.records import Article, Doc
from outpost.services.context import Context
from outpost.services.kept import changed
from outpost.services.progress import Progress, Quiet
from outpost.store.facts import save_analysis, stale_articles


@dataclass(frozen=True)
class Analysed:
    articles: int
    failed: int  # articles with a stage that failed (their notes say which)


def analyze_articles(
    ctx: Context,
    *,
    batch_size: int = BATCH_SIZE,
    redo: bool = False,
    workers: int = 1,
    pipeline: Pipeline | None = None,
    progress: Progress | None = None,
) -> Analysed:
    """Analyse the stored articles this pipeline version has not analysed (all with `redo`)."""
    return analyze_store(ctx.engine, batch_size, redo, workers, pipeline, progress)


def analyze_store(
    engine: Engine,
    batch_size: int = BATCH_SIZE,
    redo: bool = False,
    workers: int = 1,
    pipeline: Pipeline | None = None,
    progress: Progress | None = None,
) -> Analysed:
    """`analyze_articles` on an engine. A long-running caller passes its loaded `pipeline`;
    without one, the models load only when there is something to analyse."""
    progress = progress or Quiet()
    with engine.connect() as conn:
        todo = stale_articles(conn, VERSION, everything=redo)
    if not todo:
        return Analysed(0, 0)
    pipeline = pipeline or Pipeline.load(workers=workers)
    ids = {a.uid: article_id for article_id, a in todo}
    docs = (article_doc(a) for _, a in todo)
    failed = 0
    progress.start(len(todo))
    try:
        for doc in pipeline.pipe(docs, batch_size, workers):
            with engine.begin() as conn:
                save_analysis(conn, ids[doc.id], doc, VERSION)
            failed += any(": failed:" in note for note in doc.notes)
            progress.advance()
    finally:
        changed()  # the readings and map counts kept are stale now
    return Analysed(len(todo), failed)


def article_doc(article: Article) -> Doc:
    return Doc(
        id=article.uid,
        text=article.text,
        published=article.published,
        title=article.title,
        lang=article.lang,
    )
