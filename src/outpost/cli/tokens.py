"""`outpost token create|list|revoke`: API tokens, made for the operator (or another owner).
The secret is printed once, on standard output, and stored nowhere."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from outpost.cli.app import paragraphs
from outpost.cli.context import context
from outpost.cli.output import JsonOpt, err, out, print_json
from outpost.records import ApiToken
from outpost.respond.people import PeopleError
from outpost.services.tokens import (
    create_api_token,
    create_user_token,
    list_api_tokens,
    revoke_api_token,
)
from outpost.store.tokens import AmbiguousTokenError
from outpost.terminal import shown

group = typer.Typer(
    name="token",
    help="API tokens: create (the secret is shown once), list, revoke.",
    no_args_is_help=True,
)


@group.command("create")
def create_cli(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'dashboard'.")],
    owner: Annotated[
        str | None,
        typer.Option(help="The principal it acts for (default: you, operator:<user>)."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(help="The user it acts for, with their organisation and role."),
    ] = None,
) -> None:
    """Make a token for the API. The secret is printed once, here; keep it somewhere safe.
    With --user, the token acts as that person (hand it over privately)."""
    if user is not None and owner is not None:
        err.print("[red]Give --user or --owner, not both.[/]")
        raise typer.Exit(2)
    try:
        if user is not None:
            token, secret = create_user_token(context(), name, user)
        else:
            token, secret = create_api_token(context(), name, owner)
    except PeopleError as exc:
        err.print(f"[red]{shown(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    typer.echo(secret)  # alone on standard output, so `$(outpost token create x)` takes it
    err.print(
        f"Token {token.id} ({shown(token.prefix)}…) for {shown(token.owner)}: shown once, "
        "stored only as a hash. Send it as `Authorization: Bearer <token>`.",
        soft_wrap=True,
    )


@group.command("list")
def list_cli(
    every: Annotated[bool, typer.Option("--all", help="Revoked tokens too.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The tokens (never their secrets), oldest first."""
    found = list_api_tokens(context(), include_revoked=every)
    if as_json:
        print_json([_token_json(t) for t in found])
        return
    out.print(tokens_table(found))


@group.command("revoke")
def revoke_cli(
    key: Annotated[str, typer.Argument(help="The token's id, its prefix as listed, or itself.")],
) -> None:
    """Revoke a token: it stops working at once."""
    try:
        revoked = revoke_api_token(context(), key)
    except AmbiguousTokenError as exc:
        err.print(f"[red]{shown(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    if not revoked:
        err.print(f"[red]No valid token {shown(key)!r}[/] (see `outpost token list`).")
        raise typer.Exit(1)
    err.print("Revoked.")


def tokens_table(found: list[ApiToken]) -> Table:
    table = Table(title=f"{len(found)} tokens")
    for column in ("id", "prefix", "name", "owner", "created", "last used", "revoked"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for t in found:
        table.add_row(
            str(t.id),
            shown(t.prefix),
            shown(t.name),
            shown(t.owner),
            f"{t.created:%Y-%m-%d %H:%M}",
            f"{t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "",
            f"{t.revoked:%Y-%m-%d %H:%M}" if t.revoked else "",
        )
    return table


def _token_json(t: ApiToken) -> dict[str, object]:
    return {
        "id": t.id,
        "name": t.name,
        "owner": t.owner,
        "prefix": t.prefix,
        "created": t.created.isoformat(),
        "last_used": t.last_used.isoformat() if t.last_used else None,
        "revoked": t.revoked.isoformat() if t.revoked else None,
    }


for _command in group.registered_commands:  # help texts as paragraphs, as `register` does
    _command.help = paragraphs(_command.callback.__doc__ or "") if _command.callback else None
