"""Commands of early warning: cluster, stories, story, story-merge, story-split."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from outpost.records import Story
from outpost.terminal import console, plain, shown

out = console()
err = console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def cluster_cli() -> None:
    """Place the analysed articles that are in no story yet into stories (oldest first)."""
    from outpost.cli import _engine

    result = cluster_with_progress(_engine())
    err.print(
        f"Clustered {result.articles} articles: {result.new_stories} new stories, "
        f"{result.joined} joined a story, {result.closed} stories closed as quiet."
    )


def cluster_with_progress(engine: Engine) -> Any:
    from outpost.warn.assign import cluster_store

    columns = (TextColumn("clustering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("clustering", total=None)

        def advance(n: int) -> None:
            if n < 0:
                progress.update(task, total=-n)
            else:
                progress.advance(task, n)

        return cluster_store(engine, advance)


def stories_cli(
    since: Annotated[
        str | None, typer.Option(help="Active on or after this day (YYYY-MM-DD).")
    ] = None,
    state: Annotated[str | None, typer.Option(help="open, closed or merged.")] = None,
    lang: Annotated[str | None, typer.Option(help="Has an article in this language.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 country code.")] = None,
    domain: Annotated[str | None, typer.Option(help="Threat domain, e.g. terrorism.")] = None,
    min_articles: Annotated[int, typer.Option(min=1, help="At least this many articles.")] = 1,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List stories, latest activity first; --json includes each story's articles."""
    from outpost.cli import _engine, _print_json
    from outpost.store.stories import StoryFilter, list_stories

    if state not in (None, "open", "closed", "merged"):
        raise typer.BadParameter("one of open, closed, merged", param_hint="--state")
    f = StoryFilter(_since(since), state, lang, country, domain, min_articles, limit)
    with _engine().connect() as conn:
        found = list_stories(conn, f, with_articles=as_json)
    if as_json:
        _print_json([story_dict(s) for s in found])
        return
    out.print(stories_table(found))


def story_cli(
    story_id: Annotated[str, typer.Argument(help="Story id.")], as_json: JsonOpt = False
) -> None:
    """One story: its summary and the timeline of its articles."""
    from outpost.cli import _engine, _print_json
    from outpost.store.stories import get_story

    with _engine().connect() as conn:
        story = get_story(conn, story_id)
    if story is None:
        err.print(
            f"[red]No story {shown(repr(story_id))}[/] (see `outpost stories`).", soft_wrap=True
        )
        raise typer.Exit(1)
    if as_json:
        _print_json(story_dict(story))
        return
    print_story(story)


def merge_cli(
    keep: Annotated[str, typer.Argument(help="The story that stays.")],
    other: Annotated[str, typer.Argument(help="The story merged into it.")],
) -> None:
    """Merge two stories; the second redirects to the first, and clustering keeps it so."""
    from outpost.cli import _engine
    from outpost.warn.assign import merge

    try:
        state = merge(_engine(), keep, other)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{shown(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(f"Merged {shown(other)} into {shown(keep)}: {len(state.articles)} articles.")


def split_cli(
    article: Annotated[str, typer.Argument(help="Article uid or external id.")],
) -> None:
    """Take an article out of its story into a story of its own; clustering keeps it there."""
    from outpost.cli import _engine
    from outpost.warn.assign import split

    try:
        state = split(_engine(), article)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{shown(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(f"Article {shown(article)} is now alone in story {shown(state.id)}.")


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter(
            f"not a date (YYYY-MM-DD): {plain(repr(value))}", param_hint="--since"
        ) from None


def story_dict(story: Story) -> dict[str, Any]:
    data = asdict(story)
    data["first_seen"], data["last_seen"] = (
        story.first_seen.isoformat(),
        story.last_seen.isoformat(),
    )
    for item in data["articles"]:
        item["published"] = item["published"].isoformat() if item["published"] else None
    return data


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


SPARKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if top == 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round(v / top * (len(SPARKS) - 1))] for v in values)


def indicators_cli(
    kind: Annotated[str, typer.Option(help="country, admin1, domain or event_type.")] = "country",
    day: Annotated[
        str | None, typer.Option(help="The day to read (YYYY-MM-DD); default: the latest counted.")
    ] = None,
    measure: Annotated[str, typer.Option(help="articles or events.")] = "articles",
    spikes: Annotated[bool, typer.Option("--spikes", help="Only the series that spike.")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 30,
    as_json: JsonOpt = False,
) -> None:
    """Daily counts per series against their baseline, most unusual first."""
    from outpost.cli import _engine, _print_json
    from outpost.store.indicators import readings
    from outpost.warn.indicators import KINDS

    if kind not in KINDS:
        raise typer.BadParameter(f"one of {', '.join(KINDS)}", param_hint="--kind")
    if measure not in ("articles", "events"):
        raise typer.BadParameter("articles or events", param_hint="--measure")
    on = _since(day)
    with _engine().connect() as conn:
        found = readings(conn, kind, on.date() if on else None, measure)
    found = [r for r in found if r.spike or not spikes][:limit]
    if as_json:
        _print_json([{**asdict(r), "day": r.day.isoformat(), "spike": r.spike} for r in found])
        return
    out.print(indicators_table(found, kind, measure))


def indicators_table(found: list[Any], kind: str, measure: str) -> Table:
    from outpost.warn.indicators import MIN_HISTORY

    day = f" on {found[0].day}" if found else ""
    table = Table(title=f"{measure} per {kind}{day}: {len(found)} series")
    table.add_column("series", overflow="fold", min_width=14)
    for column in ("today", "expected", "a day this busy"):
        table.add_column(column, justify="right", no_wrap=column != "a day this busy")
    table.add_column("2 weeks", no_wrap=True, min_width=15)
    table.add_column("spike")
    for r in found:
        rare = f"1 in {r.one_in_days:,.0f} days" if r.one_in_days < 1e9 else "1 in >10⁹ days"
        if len(r.history) < MIN_HISTORY:  # too new to tell: say so rather than alarm
            rare = f"[dim]{rare}; {len(r.history)} days counted[/]"
        table.add_row(
            shown(r.key),
            str(r.observed),
            f"{r.expected:.1f}",
            rare,
            sparkline([*r.history[-14:], r.observed]),
            "[bold red]spike[/]" if r.spike else "",
        )
    return table


RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules", help="Watch rules (YAML); default: $OUTPOST_RULES.", show_default=False
    ),
]


def read_rules(path: Path | None) -> Any:
    """The rule file checked against the knowledge base and taxonomies; exit 2 on errors."""
    import os

    from outpost.analyze.event_types import load_taxonomy
    from outpost.analyze.threats import ThreatTagger
    from outpost.kb.actors import load_kb
    from outpost.warn.rules import RuleError, RuleSet, load_rules

    chosen = path or (
        Path(os.environ["OUTPOST_RULES"]) if os.environ.get("OUTPOST_RULES") else None
    )
    if chosen is None:
        return RuleSet(())  # no rules: spikes in the watched countries still alert
    try:
        return load_rules(
            chosen,
            known_actors=load_kb().entities.keys(),
            known_domains=ThreatTagger.load().domains.keys(),
            known_types=load_taxonomy().names,
        )
    except RuleError as exc:
        err.print(f"[red]{shown(exc, lines=True)}[/]", soft_wrap=True)
        raise typer.Exit(2) from None


def rules_check_cli(path: Annotated[Path, typer.Argument(help="Rule file (YAML).")]) -> None:
    """Check a rule file; every error is listed with its line."""
    rules = read_rules(path)
    for rule in rules.rules:
        targets = shown(", ".join(("in-app", *rule.deliver)))
        out.print(f"[bold]{shown(rule.id)}[/]: {shown(rule.name)} → {targets}")
    countries = shown(", ".join(sorted(rules.watch.countries)))
    out.print(f"{len(rules.rules)} rules; spikes watched in {countries}.")


def warn_cli(rules_path: RulesOpt = None) -> None:
    """One early-warning cycle over the store: cluster, read new articles against the rules,
    look for spikes, deliver what is due."""
    from outpost.cli import _engine, _settings
    from outpost.store.times import now
    from outpost.warn.alerting import check_articles, check_spikes
    from outpost.warn.delivery import deliver_due

    rules = read_rules(rules_path)
    settings = _settings()
    engine = _engine(settings)
    clustered = cluster_with_progress(engine)
    checked = check_articles(engine, rules, now())
    spikes = check_spikes(engine, rules, now())
    delivered = deliver_due(engine, rules, now(), allow=settings.fetch.allow_networks)
    err.print(
        f"{clustered.articles} clustered; {checked.articles} read against {len(rules.rules)} "
        f"rules: {checked.new + spikes} new alerts ({spikes} spikes), {checked.updated} updated; "
        f"{delivered.sent} deliveries sent, {delivered.failed} failing."
    )


def alerts_cli(
    state: Annotated[str | None, typer.Option(help="new, acknowledged or closed.")] = None,
    ack: Annotated[list[int] | None, typer.Option("--ack", help="Acknowledge this alert.")] = None,
    close: Annotated[list[int] | None, typer.Option("--close", help="Close this alert.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List alerts (newest activity first) with their deliveries; acknowledge or close them."""
    from outpost.cli import _engine, _print_json
    from outpost.store.alerts import list_alerts, set_state
    from outpost.store.times import now

    if state not in (None, "new", "acknowledged", "closed"):
        raise typer.BadParameter("one of new, acknowledged, closed", param_hint="--state")
    engine = _engine()
    missing = []
    for ids, target in ((ack or [], "acknowledged"), (close or [], "closed")):
        for alert_id in ids:
            with engine.begin() as conn:
                if not set_state(conn, alert_id, target, now()):
                    missing.append(alert_id)
    if missing:
        err.print(
            f"[red]No alert {', '.join(map(str, missing))}[/] (see `outpost alerts`).",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    if ack or close:
        return
    with engine.connect() as conn:
        found = list_alerts(conn, state, limit)
    if as_json:
        from outpost.warn.delivery import payload

        _print_json(
            [{**payload(a), "deliveries": [_delivery_dict(d) for d in a.deliveries]} for a in found]
        )
        return
    out.print(alerts_table(found))


def _delivery_dict(d: Any) -> dict[str, Any]:
    data = asdict(d)
    data["next_attempt"] = d.next_attempt.isoformat()
    data["sent"] = d.sent.isoformat() if d.sent else None
    return data


def alerts_table(found: list[Any]) -> Table:
    table = Table(title=f"{len(found)} alerts")
    table.add_column("id", justify="right")
    table.add_column("state · CAP", no_wrap=True)
    table.add_column("alert · evidence · deliveries", ratio=1)
    for a in found:
        sent = ", ".join(
            f"{d.target} {d.state}"
            + (
                f" ({d.attempts} tries: {d.last_error})"
                if d.state != "sent" and d.last_error
                else ""
            )
            for d in a.deliveries
        )
        sentence = str(a.evidence[0].get("sentence", "")) if a.evidence else ""
        grade = f"{a.state}\n{a.severity}/{a.urgency}/{a.certainty}"
        table.add_row(
            str(a.id),
            shown(grade, lines=True),
            f"[bold]{shown(a.title[:160])}[/] ({a.article_count} articles)\n"
            f"[dim]{shown(sentence[:200])}[/]" + (f"\n{shown(sent)}" if sent else ""),
        )
    return table


def watch_cli(
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="A feed to poll (also: settings' feeds).")
    ] = None,
    interval: Annotated[
        float, typer.Option(min=0.5, help="Seconds between polls of each --feed.")
    ] = 300.0,
    rules_path: RulesOpt = None,
    every: Annotated[
        float, typer.Option(min=0.1, help="Seconds between cycles when no feed is due.")
    ] = 5.0,
    cycles: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many cycles (default: never).")
    ] = None,
) -> None:
    """Poll, ingest, analyse, cluster, count, check rules and deliver alerts until stopped
    (SIGTERM or Ctrl-C). One JSON line per cycle on standard output."""
    import sys

    from outpost.cli import _engine, _settings
    from outpost.config import FeedSource
    from outpost.pipeline import Pipeline
    from outpost.warn.watch import Watcher

    settings = _settings()
    feeds = (*settings.feeds, *(FeedSource(url, interval) for url in feed or ()))
    if not feeds:
        err.print("[yellow]No feeds: give --feed URL or set feeds in the settings file.[/]")
    rules = read_rules(rules_path)
    engine = _engine(settings)
    err.print("Loading the analysis models…")
    watcher = Watcher(engine, settings, feeds, rules, Pipeline.load(), sys.stdout, every)
    watcher.stop_on_signals()
    watcher.run(cycles)
