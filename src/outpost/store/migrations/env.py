"""Alembic environment: always run with a connection handed over by `outpost.store.db`."""

from __future__ import annotations

from alembic import context

from outpost.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through outpost.store.db.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
)
with context.begin_transaction():
    context.run_migrations()
