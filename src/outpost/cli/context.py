"""The service context of a command: the settings, the store, and the operator who acts."""

from __future__ import annotations

import typer

from outpost.cli.output import err
from outpost.config import Settings, SettingsError, load_settings
from outpost.services.context import Context, open_context, operator
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
