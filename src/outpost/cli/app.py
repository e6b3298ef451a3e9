"""The `outpost` command: one Typer app, one error boundary, help texts as paragraphs."""

from __future__ import annotations

import contextlib
import errno
import inspect
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

import typer
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from outpost.config import SettingsError
from outpost.store.errors import describe
from outpost.terminal import plain

app = typer.Typer(
    help="Outpost: open early-warning and joint crisis-response platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # OUTPOST_DEBUG=1 must not print secrets in locals
)
Command = TypeVar("Command", bound=Callable[..., None])


def command(name: str) -> Callable[[Command], Command]:
    """Mark a function as the command `name`; `register` adds it to the app."""

    def mark(fn: Command) -> Command:
        fn.outpost_command = name  # type: ignore[attr-defined]
        return fn

    return mark


def register(module: ModuleType) -> None:
    """Add the module's commands, in the order they are defined, and its sub-commands: a
    module-level Typer `group` (or each of a tuple `groups`) is added as a command with
    sub-commands (`outpost token create`). The docstring is the help, each paragraph reflowed
    to the terminal (Typer keeps a docstring's line breaks, which then break mid-sentence)."""
    for group in (getattr(module, "group", None), *getattr(module, "groups", ())):
        if isinstance(group, typer.Typer):
            app.add_typer(group)
    for fn in vars(module).values():
        name = getattr(fn, "outpost_command", None)
        if callable(fn) and name and fn.__module__ == module.__name__:
            app.command(name, help=paragraphs(fn.__doc__ or ""))(fn)


def paragraphs(doc: str) -> str:
    """The docstring's paragraphs (separated by blank lines), each on one line."""
    blocks = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(block.split()) for block in blocks if block.strip())


def main() -> None:
    """The one boundary of the command: whatever goes wrong ends as one line on standard
    error and exit status 2 (1 stays "some items failed"); OUTPOST_DEBUG=1 shows the
    traceback instead."""
    try:
        app()
    except Exception as exc:
        if os.environ.get("OUTPOST_DEBUG"):
            raise
        if isinstance(exc, OSError) and exc.errno in LOST_OUTPUT:
            _drop_stdout()
        with contextlib.suppress(OSError):  # nowhere left to say it: the status still does
            sys.stderr.write(f"outpost: {plain(reason(exc))}\n")
        sys.exit(2)


# Errors of the output itself: what is still buffered would fail again as Python exits.
LOST_OUTPUT = {errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT}


def _drop_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def reason(exc: Exception) -> str:
    """One line that names what went wrong; an unexpected error says how to see more."""
    described = describe(exc)  # the store's own account: locked, read-only, full, refused...
    if described:
        return first_line(described)
    if isinstance(exc, SettingsError):
        return f"settings: {first_line(exc)}"
    if isinstance(exc, SQLAlchemyError):
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        return f"database: {first_line(cause)}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror.lower()}{where}"
    return (
        f"unexpected {type(exc).__name__}: {first_line(exc)} "
        "(set OUTPOST_DEBUG=1 for the traceback)"
    )


def first_line(value: object) -> str:
    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    first = lines[0] if lines else "(no message)"
    return first if len(first) <= 300 else first[:299] + "…"
