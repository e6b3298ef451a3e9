"""`outpost serve`: the REST API (and the watch loop, when there are feeds) in one process."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from outpost.cli.app import command
from outpost.cli.context import settings
from outpost.cli.output import err
from outpost.cli.rules import rules_or_exit
from outpost.config import Settings
from outpost.terminal import shown


@command("serve")
def serve_cli(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch/--no-watch",
            help="Run the watch loop too, once there is a feed (settings' or added by the API).",
        ),
    ] = True,
) -> None:
    """Serve the web dashboard and the REST API under /api/v1 (docs at /api/docs), with the
    watch loop in a background thread once a feed is configured or added, unless --no-watch.

    Stops on Ctrl-C or SIGTERM: requests under way finish, the job under way and the watch
    loop stop after the step they are in."""
    serve(settings(), host, port, watch=watch)


def serve(
    chosen: Settings, host: str, port: int, *, watch: bool = True, token: str | None = None
) -> None:
    """Serve the app on the settings' store until stopped; `token`: one to print for signing
    in (the demo's)."""
    import uvicorn

    from outpost.api.app import create_app
    from outpost.services.watch import Background

    rules = rules_or_exit(chosen, None) if watch else None
    app = create_app(chosen)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="on")
    )
    background = None
    if rules is not None:
        background = Background(app.state.context.engine, chosen, rules, sys.stdout)
        background.start()
    address = shown(f"{f'[{host}]' if ':' in host else host}:{port}")  # as a URL writes it
    err.print(
        f"Outpost on [bold]http://{address}/[/] (the dashboard); API http://{address}/api/v1, "
        f"docs http://{address}/api/docs. Ctrl-C stops it.",
        soft_wrap=True,
    )
    if token:
        err.print(f"Sign in with the token [bold]{shown(token)}[/] (shown once).", soft_wrap=True)

    # uvicorn takes SIGINT and SIGTERM while it runs (it stops accepting, finishes what is
    # under way, runs the app's shutdown), then restores the handlers it found and sends the
    # signal again: these, so the process goes on to stop the watch loop and exits 0 (one
    # that comes before uvicorn listens stops it too).
    def stopping(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stopping)
    try:
        server.run()
    except SystemExit:  # uvicorn's own exit when it cannot start (status 3): ours is 2
        pass
    finally:
        if background is not None:
            background.stop()
    if not server.started:  # uvicorn has logged why (the address in use, not allowed)
        err.print(f"[red]outpost: could not serve on {address}[/] (see above).", soft_wrap=True)
        raise typer.Exit(2)
    err.print("Stopped.")
