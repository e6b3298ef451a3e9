"""The context of a service call: the store, the settings, and who acts."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from outpost.config import Settings
from outpost.records import Principal
from outpost.respond.people import Role
from outpost.store import connect


@dataclass(frozen=True)
class Context:
    engine: Engine
    settings: Settings
    who: Principal

    def acting(self, who: Principal) -> Context:
        """The same store and settings, another principal (an API request's token owner)."""
        return replace(self, who=who)


def open_context(settings: Settings, who: Principal) -> Context:
    """Connect to the configured store (migrating it) for `who`."""
    engine = connect(settings.database_url, statement_timeout=settings.statement_timeout)
    return Context(engine, settings, who)


def operator() -> Principal:
    """The person at the terminal: the CLI acts as the local operating-system user, as an
    administrator (it owns the machine and the store, and makes the first administrator)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's anonymous user)
        user = "unknown"
    return Principal(f"operator:{user}", user, role=Role.ADMINISTRATOR.value)


SYSTEM_WATCH = Principal("system:watch", "watch loop")
