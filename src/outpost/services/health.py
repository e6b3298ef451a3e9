"""Health: whether the store answers, for `GET /api/v1/health` and a supervisor's checks."""

from __future__ import annotations

from sqlalchemy import text

from outpost.services.context import Context
from outpost.store.errors import describe


def database_problem(ctx: Context) -> str | None:
    """None when one trivial query on the store succeeds now; else one line saying why (for
    the server's log: it may name the database)."""
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # whatever the cause, the store does not answer
        return describe(exc) or f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None
