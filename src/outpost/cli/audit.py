"""`outpost audit verify|list`: check the audit log's hash chain, read its last entries."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from outpost.cli.app import paragraphs
from outpost.cli.context import context
from outpost.cli.output import JsonOpt, err, out, print_json
from outpost.cli.people import refused
from outpost.records import AuditEntry
from outpost.services.audit import check_audit, list_audit
from outpost.terminal import shown

group = typer.Typer(
    name="audit",
    help="The audit log: verify its hash chain, list its last entries.",
    no_args_is_help=True,
)


@group.command("verify")
def verify_cli() -> None:
    """Check the whole chain: exit status 0 when it holds, 1 naming the first broken link
    (an entry changed or removed after it was written)."""
    with refused():
        checked = check_audit(context())
    if checked.broken is None:
        out.print(f"chain intact, {checked.entries} entries")
        return
    broken = checked.broken
    err.print(f"[red]chain broken at entry {broken.id}:[/] {shown(broken.why)}", soft_wrap=True)
    raise typer.Exit(1)


@group.command("list")
def list_cli(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The last entries, newest first."""
    with refused():
        found = list_audit(context(), limit)
    if as_json:
        print_json([_entry_json(e) for e in found])
        return
    table = Table(title=f"last {len(found)} audit entries")
    for column in ("id", "at", "actor", "action", "target", "detail"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for e in found:
        detail = ", ".join(f"{k}={v}" for k, v in e.detail.items())
        table.add_row(
            str(e.id),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            shown(e.actor),
            shown(e.action),
            shown(e.target),
            shown(detail),
        )
    out.print(table)


def _entry_json(e: AuditEntry) -> dict[str, object]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "target": e.target,
        "detail": e.detail,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


for _command in group.registered_commands:  # help texts as paragraphs, as `register` does
    _command.help = paragraphs(_command.callback.__doc__ or "") if _command.callback else None
