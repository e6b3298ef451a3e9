"""The demo's people made through the services: the centre and two member states, a user
per role worth showing, found again (never re-made, passwords unchanged) on a second run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from outpost.config import Settings
from outpost.respond.people import NotAllowedError
from outpost.services.context import Context, operator
from outpost.services.demo_people import ORGS, USERS, seed_demo_people
from outpost.services.people import set_password
from outpost.services.signin import authenticate
from outpost.store import connect


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    engine: Engine = connect(settings.database_url)
    yield Context(engine, settings, operator())
    engine.dispose()


def test_seeding_twice_makes_each_one_once_and_keeps_the_passwords(ctx: Context) -> None:
    orgs, first = seed_demo_people(ctx)
    again_orgs, second = seed_demo_people(ctx)
    assert [(o.code, o.kind, o.country) for o in orgs] == [
        ("crc", "centre", None),
        ("kz-knb", "member", "KZ"),
        ("tj-gkn", "member", "TJ"),
    ]
    assert [o.id for o in again_orgs] == [o.id for o in orgs]
    assert {s.user.role for s in first} >= {"administrator", "coordinator", "analyst"}
    assert {s.user.org for s in first if s.user.role == "analyst"} == {"kz-knb", "tj-gkn"}
    assert all(s.password for s in first) and len({s.password for s in first}) == len(USERS)
    assert [s.password for s in second] == [None] * len(USERS)
    assert [s.user.id for s in second] == [s.user.id for s in first]
    for seeded in first:  # the first run's passwords still sign in after the second
        assert seeded.password is not None
        who = authenticate(ctx, seeded.user.username, seeded.password)
        assert (who.org, who.role) == (seeded.user.org, seeded.user.role)
    assert len(ORGS) == 3


def test_only_an_administrator_seeds_people(ctx: Context) -> None:
    seed_demo_people(ctx)
    analyst = authenticate(ctx, "kz.analyst", _password_of(ctx, "kz.analyst"))
    with pytest.raises(NotAllowedError, match="may not manage orgs"):
        seed_demo_people(ctx.acting(analyst))


def _password_of(ctx: Context, username: str) -> str:
    """A new password set by the operator (the seeded one was not kept)."""
    return set_password(ctx, username)
