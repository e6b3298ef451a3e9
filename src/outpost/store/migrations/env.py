"""Alembic environment: always run with a connection handed over by `outpost.store.db`."""

from __future__ import annotations

from alembic import context

from outpost.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through outpost.store.db.upgrade()")


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the full-text objects, made by raw SQL in the migrations, out of autogenerate."""
    return not (kind == "table" and reflected and compare_to is None and "fts" in (name or ""))


context.configure(
    connection=connection,
    target_metadata=metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
)
with context.begin_transaction():
    context.run_migrations()
