"""Database conditions said in one line: which database, and what is wrong with it.

A closed port, a read-only file, a full disk or a statement cut off by its time-out is a
condition of the place the data live, not a bug: the user needs one line naming it, never a
traceback. `StoreError` is what `connect()` and a statement on an engine it made raise for
them; `describe()` says the same for an exception raised anywhere else (the CLI's top level).
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

TIMEOUT_SETTING = "statement_timeout / OUTPOST_STATEMENT_TIMEOUT"


class StoreError(Exception):
    """The database cannot do what was asked; the message is one line naming it and why."""


class StatementTimeoutError(StoreError):
    """A statement ran past the statement time-out and was cut off."""


class SearchRefusedError(StoreError, ValueError):
    """A search query over the caps (words, word length); the message says which."""


def timeout_reason(seconds: float | None = None) -> str:
    limit = f" of {seconds:g} s" if seconds is not None else ""
    return f"a statement ran past the time-out{limit} and was cut off ({TIMEOUT_SETTING})"


def timed_out(exc: BaseException) -> bool:
    """Whether a driver's exception says its statement was cut off by the time-out."""
    if getattr(exc, "sqlite_errorname", None) == "SQLITE_INTERRUPT":
        return True  # only our statement clock interrupts SQLite
    return getattr(exc, "sqlstate", None) == "57014" and "statement timeout" in str(exc)


def describe(exc: BaseException) -> str | None:
    """One line for a database condition (locked, read-only, disk full, connection refused or
    lost, statement time-out...) behind `exc`, or None when `exc` is not one."""
    for link in _chain(exc):
        if isinstance(link, StoreError):
            return str(link)
        if isinstance(link, PoolTimeoutError):
            return "no database connection became free in time (all in use)"
        reason = _sqlite(link) or _postgres(link) or _os(link)
        if reason is not None:
            return reason
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, the driver's exception it wraps, and its causes (SQLAlchemy and Alembic wrap)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        link = todo.pop(0)
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        if isinstance(link, DBAPIError) and isinstance(link.orig, BaseException):
            todo.append(link.orig)
        todo.extend(e for e in (link.__cause__, link.__context__) if e is not None)


# SQLite's primary result codes (extended codes such as SQLITE_READONLY_DBMOVED share the
# prefix), so a new extended code still gets the right reason.
_SQLITE = {
    "SQLITE_FULL": "the database or its disk is full (SQLITE_FULL)",
    "SQLITE_READONLY": "the database is read-only: it cannot be written",
    "SQLITE_BUSY": "the database is locked by another writer (SQLITE_BUSY)",
    "SQLITE_LOCKED": "the database is locked (SQLITE_LOCKED)",
    "SQLITE_INTERRUPT": timeout_reason(),  # see timed_out
    "SQLITE_NOTADB": "not an SQLite database (SQLITE_NOTADB)",
    "SQLITE_CORRUPT": "the database file is corrupt (SQLITE_CORRUPT)",
    "SQLITE_CANTOPEN": "the database file cannot be opened (missing folder or no permission)",
    "SQLITE_PERM": "permission denied (SQLITE_PERM)",
    "SQLITE_IOERR": "input/output error",
    "SQLITE_NOMEM": "out of memory (SQLITE_NOMEM)",
}


def _sqlite(exc: BaseException) -> str | None:
    name = getattr(exc, "sqlite_errorname", None)
    if not isinstance(exc, sqlite3.Error) or not isinstance(name, str):
        return None
    for prefix, reason in _SQLITE.items():
        if name == prefix or name.startswith(prefix + "_"):
            return reason if prefix != "SQLITE_IOERR" else f"{reason} ({name})"
    return None


# PostgreSQL SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_SQLSTATE = {
    "53100": "the database server's disk is full (disk_full)",
    "53200": "the database server is out of memory",
    "53300": "the database server has too many connections",
    "25006": "the database is read-only: it cannot be written (read_only_sql_transaction)",
    "3D000": "no such database",
    "3F000": "no such schema",
    "28P01": "password authentication failed",
    "28000": "the database refused the user (invalid authorization)",
    "42501": "permission denied (insufficient_privilege)",
    "55P03": "the database is locked (lock_not_available)",
    "40P01": "a deadlock was detected and the statement was rolled back",
    "57P01": "the database server ended the connection (shutting down, or an administrator)",
    "57P02": "the database server crashed",
    "57P03": "the database server is starting up or not accepting connections",
}
_CONNECTION_TEXT = {
    "connection refused": "connection refused (is the server running and accepting TCP/IP?)",
    "could not translate host name": "unknown host name",
    "timeout expired": "the connection timed out",
    "server closed the connection": "the connection to the server was lost",
    "consuming input failed": "the connection to the server was lost",
    "no route to host": "no route to the host",
}


def _postgres(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None)
    if type(exc).__module__.split(".")[0] != "psycopg":
        return None
    message = str(exc)
    if state == "57014":
        return timeout_reason() if timed_out(exc) else "the statement was cancelled"
    if isinstance(state, str) and state in _SQLSTATE:
        return _SQLSTATE[state]
    if isinstance(state, str) and state.startswith("08"):
        return "the connection to the server was lost"
    lowered = message.lower()
    for marker, reason in _CONNECTION_TEXT.items():
        if marker in lowered:
            return reason
    if state is None and type(exc).__name__ == "OperationalError":
        # A failure to connect carries no SQLSTATE: its first line is the most telling one.
        return " ".join(message.splitlines()[0].split()) if message else "cannot connect"
    return None


_ERRNO = {
    errno.ENOSPC: "the disk is full (ENOSPC)",
    errno.EDQUOT: "the disk quota is exceeded (EDQUOT)",
    errno.EROFS: "the file system is read-only (EROFS)",
}


def _os(exc: BaseException) -> str | None:
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        return _ERRNO[exc.errno]
    return None
