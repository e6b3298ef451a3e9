"""The people of the plan tests: the centre (which owns the plans) and two member states, a
coordinator and an analyst in each, and a viewer of the first member state."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from outpost.config import Settings
from outpost.respond.people import principal_for
from outpost.services import people
from outpost.services.context import Context, operator
from outpost.store import connect
from outpost.store import people as people_store
from tests.conftest import EXAMPLES

ORGS = (("crc", "centre"), ("kz-knb", "member"), ("tj-gkn", "member"))
PASSWORD = "a long enough password"
SEEDS = ("000_f376804d84136853", "002_dea19cf7c93b6278")  # the summit and the session


@dataclass(frozen=True)
class PlanWorld:
    ctx: Context  # as the operator

    def as_(self, username: str) -> Context:
        with self.ctx.engine.connect() as conn:
            user = people_store.user_by_name(conn, username)
        assert user is not None
        return self.ctx.acting(principal_for(user))


def build(settings: Settings) -> PlanWorld:
    ctx = Context(connect(settings.database_url), settings, operator())
    for code, kind in ORGS:
        people.add_org(ctx, code, f"Organisation {code}", kind=kind)
        for role in ("coordinator", "analyst", "viewer"):
            people.add_user(ctx, f"{code}-{role}", code, role, password=PASSWORD)
    return PlanWorld(ctx)


def seed_articles(folder: Path) -> Path:
    """A folder of `folder` holding the two seed articles (their decisions are the plan's)."""
    articles = folder / "articles"
    articles.mkdir()
    for name in SEEDS:
        for suffix in (".txt", ".meta.json"):
            shutil.copy(EXAMPLES / f"{name}{suffix}", articles / f"{name}{suffix}")
    return articles
