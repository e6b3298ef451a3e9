"""Storage: SQLAlchemy Core tables, plain query functions returning records, Alembic migrations."""

from outpost.store.db import connect
from outpost.store.errors import StatementTimeoutError, StoreError, describe

__all__ = ["StatementTimeoutError", "StoreError", "connect", "describe"]
