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
from outpost.warn.rules import RuleSet


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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes answering requests (one per core serves most); the watch loop "
            "runs once, in the process that starts them.",
        ),
    ] = 1,
) -> None:
    """Serve the web dashboard and the REST API under /api/v1 (docs at /api/docs), with the
    watch loop in a background thread once a feed is configured or added, unless --no-watch.

    Stops on Ctrl-C or SIGTERM: requests under way finish, the job under way and the watch
    loop stop after the step they are in."""
    serve(settings(), host, port, watch=watch, workers=workers)


def serve(
    chosen: Settings,
    host: str,
    port: int,
    *,
    watch: bool = True,
    token: str | None = None,
    workers: int = 1,
) -> None:
    """Serve the app on the settings' store until stopped; `token`: one to print for signing
    in (the demo's); `workers`: processes answering requests (cli.workers)."""
    import uvicorn

    from outpost.api.app import create_app
    from outpost.services.watch import Background

    rules = rules_or_exit(chosen, None) if watch else None
    if workers > 1:
        serve_many(chosen, host, port, rules, token, workers)
        return
    app = create_app(chosen)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="on")
    )
    background = None
    if rules is not None:
        background = Background(app.state.context.engine, chosen, rules, sys.stdout)
        background.start()
    address = announce(host, port, token)

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


def announce(host: str, port: int, token: str | None) -> str:
    """Say where the app is (and the demo's token); the address as a URL writes it."""
    address = shown(f"{f'[{host}]' if ':' in host else host}:{port}")
    err.print(
        f"Outpost on [bold]http://{address}/[/] (the dashboard); API http://{address}/api/v1, "
        f"docs http://{address}/api/docs. Ctrl-C stops it.",
        soft_wrap=True,
    )
    if token:
        err.print(f"Sign in with the token [bold]{shown(token)}[/] (shown once).", soft_wrap=True)
    return address


def serve_many(
    chosen: Settings, host: str, port: int, rules: RuleSet | None, token: str | None, size: int
) -> None:
    """`size` worker processes on one socket, the watch loop here (cli.workers)."""
    from outpost.cli.workers import BindError, Pool, listening, supervise
    from outpost.services.context import SYSTEM_WATCH, open_context
    from outpost.services.watch import Background

    try:
        sock = listening(host, port)
    except BindError as exc:
        err.print(f"[red]outpost: could not serve on {host}:{port}: {str(exc).lower()}[/]")
        raise typer.Exit(2) from None
    open_context(chosen, SYSTEM_WATCH).engine.dispose()  # migrated once, before the workers
    pool = Pool(sock, chosen, size)
    pool.fill()  # forked before this process has threads or connections of its own
    ctx = open_context(chosen, SYSTEM_WATCH)
    background = None
    if rules is not None:
        background = Background(ctx.engine, chosen, rules, sys.stdout)
        background.start()
    announce(host, port, token)
    try:
        healthy = supervise(pool)
    finally:
        if background is not None:
            background.stop()
        ctx.engine.dispose()
        sock.close()
    if not healthy:
        raise typer.Exit(1)
    err.print("Stopped.")
