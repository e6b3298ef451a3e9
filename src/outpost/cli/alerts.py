"""Alerts: one warning cycle (`warn`), the inbox (`alerts`), and the loop (`watch`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from outpost.cli.app import command
from outpost.cli.context import context, settings
from outpost.cli.output import JsonOpt, err, out, print_json
from outpost.cli.rules import RulesOpt, rules_or_exit
from outpost.cli.stories import cluster_with_progress
from outpost.config import FeedSource
from outpost.records import Alert
from outpost.serialize import alert_with_deliveries_json
from outpost.services.alerts import STATES, check, deliver, list_alerts, set_alert_state
from outpost.services.plan_notices import send_due_notices
from outpost.store.times import now
from outpost.terminal import shown


@command("warn")
def warn_cli(rules_path: RulesOpt = None) -> None:
    """One early-warning cycle over the store: cluster, read new articles against the rules,
    look for spikes, send the plans' reminders and alerts, deliver what is due."""
    ctx = context()
    rules = rules_or_exit(ctx.settings, rules_path)
    clustered = cluster_with_progress(ctx)
    checked, spikes = check(ctx, rules, now())
    sent = send_due_notices(ctx, now(), rules)
    delivered = deliver(ctx, rules, now())
    err.print(
        f"{clustered.articles} clustered; {checked.articles} read against {len(rules.rules)} "
        f"rules: {checked.new + spikes} new alerts ({spikes} spikes), {checked.updated} updated; "
        f"plans: {sent.reminders} reminders, {sent.overdue} overdue, {sent.escalated} "
        f"escalated; {delivered.sent} deliveries sent, {delivered.failed} failing."
    )


@command("alerts")
def alerts_cli(
    state: Annotated[str | None, typer.Option(help="new, acknowledged or closed.")] = None,
    ack: Annotated[list[int] | None, typer.Option("--ack", help="Acknowledge this alert.")] = None,
    close: Annotated[list[int] | None, typer.Option("--close", help="Close this alert.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List alerts (newest activity first) with their deliveries; acknowledge or close them."""
    if state not in (None, *STATES):
        raise typer.BadParameter("one of new, acknowledged, closed", param_hint="--state")
    ctx = context()
    missing = [
        alert_id
        for ids, target in ((ack or [], "acknowledged"), (close or [], "closed"))
        for alert_id in ids
        if not set_alert_state(ctx, alert_id, target, now())
    ]
    if missing:
        err.print(
            f"[red]No alert {', '.join(map(str, missing))}[/] (see `outpost alerts`).",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    if ack or close:
        return
    found = list_alerts(ctx, state, limit)
    if as_json:
        print_json([alert_with_deliveries_json(a) for a in found])
        return
    out.print(alerts_table(found))


def alerts_table(found: list[Alert]) -> Table:
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


@command("watch")
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
    from outpost.analyze.pipeline import Pipeline
    from outpost.services.watch import Watcher

    chosen = settings()
    feeds = (*chosen.feeds, *(FeedSource(url, interval) for url in feed or ()))
    if not feeds:
        err.print("[yellow]No feeds: give --feed URL or set feeds in the settings file.[/]")
    rules = rules_or_exit(chosen, rules_path)
    ctx = context(chosen)
    err.print("Loading the analysis models…")
    watcher = Watcher(ctx.engine, chosen, feeds, rules, Pipeline.load(), sys.stdout, every)
    watcher.stop_on_signals()
    watcher.run(cycles)
