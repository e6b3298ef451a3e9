"""Storage: SQLAlchemy Core tables, plain query functions returning records, Alembic migrations."""

from outpost.store.db import connect

__all__ = ["connect"]
