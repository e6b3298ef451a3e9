"""`outpost export`: the events the filters find, with their actors, places and stories, as
STIX 2.1, MISP, a MISP feed folder, CSV or GeoJSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from outpost.cli.app import command
from outpost.cli.context import context
from outpost.cli.dates import moment
from outpost.cli.output import err
from outpost.services.exports import FORMATS, MAX_EVENTS, write_export
from outpost.services.paging import BadQueryError, Filters
from outpost.terminal import shown


@command("export")
def export_cli(
    format: Annotated[str, typer.Argument(help=f"One of {', '.join(FORMATS)}.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="File to write (a folder for misp-feed); replaced if there."
        ),
    ],
    since: Annotated[str | None, typer.Option(help="Published on or after (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Published before (ISO 8601).")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code.")] = None,
    admin1: Annotated[str | None, typer.Option(help="First-level division, e.g. AF-BAL.")] = None,
    domain: Annotated[str | None, typer.Option(help="Threat domain, e.g. terrorism.")] = None,
    event_type: Annotated[str | None, typer.Option(help="Event type, e.g. ARMED_CLASH.")] = None,
    actor: Annotated[str | None, typer.Option(help="KB id of an actor or target.")] = None,
    lang: Annotated[str | None, typer.Option(help="Language of the article (ISO 639-1).")] = None,
    source: Annotated[str | None, typer.Option(help="Source of the article.")] = None,
    q: Annotated[str | None, typer.Option(help="Words the article contains.")] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_EVENTS, help="Most events one export holds.")
    ] = MAX_EVENTS,
) -> None:
    """Export the events the filters find (all of them, at most --limit), with the actors,
    places and stories they name, for sharing: STIX 2.1 with TLP 2.0 markings, MISP event
    JSON, a MISP feed folder for air-gapped transfer, CSV (ACLED-like columns) or GeoJSON.
    The export is recorded in the audit log."""
    filters = Filters(
        since=moment(since, "--since"),
        until=moment(until, "--until"),
        country=country,
        admin1=admin1,
        domain=domain,
        event_type=event_type,
        actor=actor,
        lang=lang,
        source=source,
        q=q,
    )
    try:
        done = write_export(context(), format, filters, out, limit)
    except BadQueryError as exc:
        err.print(f"[red]outpost export:[/] {shown(exc)}", soft_wrap=True)
        raise typer.Exit(2) from None
    err.print(
        f"{done.events} events, {done.actors} actors, {done.places} places, "
        f"{done.stories} stories as {done.format} in {shown(str(done.path))}",
        soft_wrap=True,
    )
