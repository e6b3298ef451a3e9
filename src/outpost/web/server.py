"""A server of the pages alone: `create_web_app(settings)`, and

    python -m outpost.web.server [--host 127.0.0.1] [--port 8000]

which serves the store of the settings (the environment and the settings file, as for the
command line). The REST API's `create_app` mounts the same pages beside the API.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from outpost.config import Settings, SettingsError, load_settings
from outpost.records import Principal
from outpost.services.context import open_context
from outpost.services.jobs import JobRunner
from outpost.web.app import mount_pages

# Who the server is when no one is signed in: it only authenticates tokens as that.
WEB_SERVER = Principal("system:web", "web server")


def create_web_app(settings: Settings) -> FastAPI:
    """The pages over the settings' store, with a worker for the ingest jobs they start (jobs
    an earlier process left unfinished are marked interrupted)."""
    context = open_context(settings, WEB_SERVER)
    runner = JobRunner(context.engine, settings)
    runner.recover()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:  # the job under way ends interrupted at its next step
            await run_in_threadpool(runner.stop)

    app = FastAPI(
        title="Outpost", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.context, app.state.jobs = context, runner
    mount_pages(app)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m outpost.web.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"outpost.web.server: settings: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_web_app(settings),
        host=args.host,
        port=args.port,
        server_header=False,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
