"""Stories: cluster, list, show, merge, split."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from outpost.cli.app import command
from outpost.cli.context import context
from outpost.cli.dates import moment
from outpost.cli.output import JsonOpt, err, out, print_json
from outpost.cli.progress import bar
from outpost.records import Story, StoryStats
from outpost.serialize import story_json
from outpost.services.context import Context
from outpost.services.stories import (
    Clustered,
    cluster,
    get_story,
    list_stories,
    merge_stories,
    split_article,
    story_stats,
)
from outpost.store.stories import StoryFilter
from outpost.terminal import shown

STATES = ("open", "closed", "merged")


@command("cluster")
def cluster_cli() -> None:
    """Place the analysed articles that are in no story yet into stories (oldest first)."""
    result = cluster_with_progress(context())
    err.print(
        f"Clustered {result.articles} articles: {result.new_stories} new stories, "
        f"{result.joined} joined a story, {result.closed} stories closed as quiet."
    )


def cluster_with_progress(ctx: Context) -> Clustered:
    with bar("clustering") as shown_bar:
        return cluster(ctx, shown_bar)


@command("stories")
def stories_cli(
    since: Annotated[
        str | None,
        typer.Option(help="Active at or after this day or time (ISO; UTC unless given)."),
    ] = None,
    state: Annotated[str | None, typer.Option(help="open, closed or merged.")] = None,
    lang: Annotated[str | None, typer.Option(help="Has an article in this language.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 country code.")] = None,
    domain: Annotated[str | None, typer.Option(help="Threat domain, e.g. terrorism.")] = None,
    min_articles: Annotated[int, typer.Option(min=1, help="At least this many articles.")] = 1,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    stats: Annotated[
        bool,
        typer.Option(
            "--stats",
            help="Instead of the list: how many stories clustering made, and how often "
            "analysts merged or split them (since --since, else in all).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List stories, latest activity first; --json includes each story's articles."""
    if state not in (None, *STATES):
        raise typer.BadParameter("one of open, closed, merged", param_hint="--state")
    if stats:
        print_stats(story_stats(context(), moment(since, "--since")), as_json)
        return
    f = StoryFilter(moment(since, "--since"), state, lang, country, domain, min_articles, limit)
    found = list_stories(context(), f, with_articles=as_json)
    if as_json:
        print_json([story_json(s) for s in found])
        return
    out.print(stories_table(found))


@command("story")
def story_cli(
    story_id: Annotated[str, typer.Argument(help="Story id.")], as_json: JsonOpt = False
) -> None:
    """One story: its summary and the timeline of its articles."""
    story = get_story(context(), story_id)
    if story is None:
        err.print(
            f"[red]No story {shown(repr(story_id))}[/] (see `outpost stories`).", soft_wrap=True
        )
        raise typer.Exit(1)
    if as_json:
        print_json(story_json(story))
        return
    print_story(story)


@command("story-merge")
def merge_cli(
    keep: Annotated[str, typer.Argument(help="The story that stays.")],
    other: Annotated[str, typer.Argument(help="The story merged into it.")],
) -> None:
    """Merge two stories; the second redirects to the first, and clustering keeps it so."""
    try:
        state = merge_stories(context(), keep, other)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{shown(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(f"Merged {shown(other)} into {shown(keep)}: {len(state.articles)} articles.")


@command("story-split")
def split_cli(
    article: Annotated[str, typer.Argument(help="Article uid or external id.")],
) -> None:
    """Take an article out of its story into a story of its own; clustering keeps it there."""
    try:
        state = split_article(context(), article)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{shown(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(f"Article {shown(article)} is now alone in story {shown(state.id)}.")


def print_stats(stats: StoryStats, as_json: bool) -> None:
    figures = {
        "articles placed": stats.articles,
        "stories open": stats.open,
        "stories closed": stats.closed,
        "stories of two articles or more": stats.several,
        "stories merged by analysts": stats.merged,
        "articles split out by analysts": stats.split,
        "corrections per 100 articles": round(stats.per_hundred, 2),
    }
    if as_json:
        since = stats.since.isoformat() if stats.since else None
        print_json({"since": since, **{k.replace(" ", "_"): v for k, v in figures.items()}})
        return
    span = f"since {stats.since:%Y-%m-%d %H:%M} UTC" if stats.since else "in all"
    table = Table(title=f"Stories {span}")
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in figures.items():
        table.add_row(label, f"{value:.2f}" if isinstance(value, float) else str(value))
    out.print(table)


def _top(counts: dict[str, int], n: int = 3) -> str:
    """The first `n` keys, shown safely (they are stored names: sources, places, actors)."""
    return ", ".join(shown(key) for key in list(counts)[:n])


def stories_table(found: list[Story]) -> Table:
    table = Table(title=f"{len(found)} stories")
    table.add_column("story", no_wrap=True)
    table.add_column("seen", no_wrap=True)
    table.add_column("n", justify="right")
    table.add_column("title · where · who · domains", ratio=1)
    for s in found:
        seen = f"{s.first_seen:%Y-%m-%d}\n{s.last_seen:%Y-%m-%d}"
        langs = shown("/".join(s.languages))
        detail = " · ".join(
            part for part in (_top(s.places), _top(s.actors), _top(s.domains)) if part
        )
        table.add_row(
            f"{shown(s.id)}\n[dim]{shown(s.state)}[/]",
            seen,
            f"{s.article_count}\n{langs}",
            f"[bold]{shown(s.title[:140])}[/]\n[dim]{detail}[/]",
        )
    return table


def print_story(story: Story) -> None:
    out.print(f"[bold]{shown(story.title)}[/]  [dim]{shown(story.id)} · {shown(story.state)}[/]")
    if story.merged_into:
        out.print(f"merged into {shown(story.merged_into)}")
    for label, counts in (
        ("languages", story.languages),
        ("sources", story.sources),
        ("places", story.places),
        ("actors", story.actors),
        ("event types", story.event_types),
        ("threat domains", story.domains),
    ):
        out.print(f"{label}: {_top(counts, 8) or '—'}")
    span = f"{story.first_seen:%Y-%m-%d} → {story.last_seen:%Y-%m-%d}"
    table = Table(title=f"{story.article_count} articles, {span}")
    for column in ("published", "lang", "source", "title", "score"):
        table.add_column(column)
    for a in story.articles:
        table.add_row(
            f"{a.published:%Y-%m-%d %H:%M}" if a.published else "",
            shown(a.lang or ""),
            shown(a.source),
            shown((a.title or a.uid)[:90]),
            f"{a.score:.2f}" + (" pinned" if a.pinned else ""),
        )
    out.print(table)
