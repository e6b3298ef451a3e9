"""The service context of a command: the settings, the store, and the operator who acts."""

from __future__ import annotations

import os

import typer

from outpost.cli.output import err
from outpost.config import Settings, SettingsError, load_settings
from outpost.services.context import Context, open_context, operator
from outpost.services.tokens import authenticate
from outpost.terminal import shown


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"outpost: [red]settings:[/] {shown(exc)}", soft_wrap=True)
        raise typer.Exit(2) from None


def context(chosen: Settings | None = None) -> Context:
    """The store of the settings (migrated on open), the local operator acting."""
    return open_context(chosen or settings(), operator())


TOKEN = "OUTPOST_TOKEN"


def acting() -> Context:
    """The context of the person of the API token in OUTPOST_TOKEN (an environment variable,
    so the secret shows in no process list), or of the local operator without a token."""
    ctx = context()
    secret = os.environ.get(TOKEN, "").strip()
    if not secret:
        return ctx
    who = authenticate(ctx, secret)
    if who is None:
        err.print(f"[red]{TOKEN}: not a valid token (revoked, expired or mistyped)[/]")
        raise typer.Exit(2)
    return ctx.acting(who)
