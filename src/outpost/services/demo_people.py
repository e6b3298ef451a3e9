"""The demo's people: the alliance's crisis-response centre, two member-state organisations,
and a user for each role worth showing, made once and found again on a later run.

Each new user gets a generated password, returned once for the demo to print; a user that
exists already keeps its password (never printed again, never reset). No default password
exists: running the demo on another machine makes other passwords.
"""

from __future__ import annotations

from dataclasses import dataclass

from outpost.records import Organisation, User
from outpost.services import people
from outpost.services.context import Context


@dataclass(frozen=True)
class DemoOrg:
    code: str
    name: str
    kind: str
    country: str | None


@dataclass(frozen=True)
class DemoUser:
    username: str
    org: str
    role: str
    display_name: str


@dataclass(frozen=True)
class Seeded:
    """A demo user, and its password when it was made now (None: it existed already)."""

    user: User
    password: str | None


ORGS = (
    DemoOrg("crc", "Crisis Response Centre", "centre", None),
    DemoOrg("kz-knb", "National Security Committee of Kazakhstan", "member", "KZ"),
    DemoOrg("tj-gkn", "State Committee for National Security of Tajikistan", "member", "TJ"),
)
USERS = (
    DemoUser("crc.admin", "crc", "administrator", "Centre administrator"),
    DemoUser("crc.coordinator", "crc", "coordinator", "Centre duty coordinator"),
    DemoUser("kz.analyst", "kz-knb", "analyst", "Analyst, Kazakhstan"),
    DemoUser("tj.analyst", "tj-gkn", "analyst", "Analyst, Tajikistan"),
    DemoUser("tj.viewer", "tj-gkn", "viewer", "Liaison officer, Tajikistan (read only)"),
)


def seed_demo_people(ctx: Context) -> tuple[list[Organisation], list[Seeded]]:
    """The demo's organisations and users, made where missing (as ctx.who, an
    administrator: the demo's local operator)."""
    orgs = [people.ensure_org(ctx, o.code, o.name, o.kind, o.country) for o in ORGS]
    users = [
        Seeded(*people.ensure_user(ctx, u.username, u.org, u.role, u.display_name)) for u in USERS
    ]
    return orgs, users
