"""TLP 2.0 as the access rule, on a real SQLite file and a real PostgreSQL schema.

The matrix: every role × own/other member state, centre and partner × every marking × RED
named or not (tests/marked_world.py) — lists, totals, get by id, a case's linked assessments,
comments, timeline and counts each show exactly what the rule says; an item one may not see
is refused exactly as one that does not exist. The query conditions agree with the pure rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from outpost.config import Settings, sqlite_url
from outpost.markings import TLP
from outpost.records import Principal, Viewer
from outpost.respond.people import NotFoundError
from outpost.respond.visibility import Item, access_key, sees
from outpost.services import assessments, cases
from outpost.services.context import Context, operator
from outpost.services.paging import Window
from outpost.store import connect
from outpost.store.visibility import viewer_of
from tests.conftest import _postgres_schema_url
from tests.marked_world import DISABLED, World, build, expected, usernames

MISSING = 2**31 - 1  # an id no item has


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The world, built once per dialect: the matrix only reads it."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([sqlite_url(tmp_path_factory.mktemp("world") / "o.db")])
    else:
        urls = _postgres_schema_url()
    for url in urls:
        engine = connect(url)
        settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=url)
        yield build(Context(engine, settings, operator()))
        engine.dispose()


VIEWERS = [*usernames(), None]  # None: the CLI operator, a person of no organisation


def context_of(world: World, username: str | None) -> Context:
    return world.ctx if username is None else world.as_(username)


def marking_of(ids: dict[TLP, int], item: int) -> TLP:
    return next(m for m, i in ids.items() if i == item)


@pytest.mark.parametrize("username", VIEWERS)
def test_lists_and_totals_show_exactly_what_the_rule_says(
    world: World, username: str | None
) -> None:
    ctx = context_of(world, username)
    want = expected(username)
    page = assessments.page_assessments(ctx, Window(limit=2))
    seen, cursor = list(page.items), page.next_cursor
    while cursor is not None:  # every page, through the cursor
        more = assessments.page_assessments(ctx, Window(cursor=cursor, limit=2))
        seen += more.items
        cursor = more.next_cursor
    assert {marking_of(world.assessments, a.id) for a in seen} == want
    assert page.total == len(want) == len(seen)
    listed = cases.page_cases(ctx, Window(limit=50))
    assert {marking_of(world.cases, c.id) for c in listed.items} == want
    assert listed.total == len(want)
    assert sum(cases.case_counts(ctx).values()) == len(want)


@pytest.mark.parametrize("username", VIEWERS)
def test_get_by_id_answers_a_hidden_item_as_a_missing_one(
    world: World, username: str | None
) -> None:
    ctx = context_of(world, username)
    want = expected(username)
    for marking in TLP:
        ident = world.assessments[marking]
        if marking in want:
            assert assessments.get_assessment(ctx, ident).sharing.marking == marking.value
        else:
            hidden = refusal(assessments.get_assessment, ctx, ident)
            missing = refusal(assessments.get_assessment, ctx, MISSING)
            assert hidden == missing == "NotFoundError: no assessment with this id"
        case = world.cases[marking]
        if marking in want:
            assert cases.get_case(ctx, case).case.sharing.marking == marking.value
        else:
            hidden = refusal(cases.get_case, ctx, case)
            assert hidden == refusal(cases.get_case, ctx, MISSING).replace(str(MISSING), str(case))


def refusal(call: Callable[[Context, int], object], ctx: Context, item: int) -> str:
    """The whole refusal of asking for the item: the exception's class and message."""
    with pytest.raises(NotFoundError) as caught:
        call(ctx, item)
    return f"{type(caught.value).__name__}: {caught.value}"


@pytest.mark.parametrize("username", VIEWERS)
def test_a_case_shows_each_linked_item_through_its_own_marking(
    world: World, username: str | None
) -> None:
    ctx = context_of(world, username)
    want = expected(username)
    for marking in want:
        view = cases.get_case(ctx, world.cases[marking])
        linked = {marking_of(world.assessments, int(x.id)) for x in view.links}
        assert linked == want  # every assessment is linked to every case
        assert [TLP(c.sharing.marking) for c in view.comments] == [marking]
        shown = [marking, *linked]
        assert view.marking == max(shown).value  # the strictest of what is shown
        about = [e for e in view.timeline if e.what == "linked"]
        assert len(about) == len(want)
        assert len([e for e in view.timeline if e.what == "commented"]) == 1
        reviews = {t.assessment_id for t in view.tasks}
        assert reviews <= {world.assessments[m] for m in want}


@pytest.mark.parametrize("username", [*usernames(), None])
def test_the_query_conditions_agree_with_the_pure_rule(world: World, username: str | None) -> None:
    ctx = context_of(world, username)
    with ctx.engine.connect() as conn:
        viewer = viewer_of(conn, ctx.who)
    for marking in TLP:
        item = world_item(world, marking)
        found = marking in {
            TLP(a.sharing.marking) for a in assessments.page_assessments(ctx, Window()).items
        }
        assert sees(viewer, item) == found, (username, marking)


def world_item(world: World, marking: TLP) -> Item:
    """The world's assessment of this marking as the pure rule reads it (ids from the store)."""
    ctx = world.ctx
    with ctx.engine.connect() as conn:
        owner = viewer_of(conn, world.who("m1-analyst")).org
        centre = viewer_of(conn, world.who("crc-viewer")).org
    assert owner is not None and centre is not None
    named = world.who("m2-viewer").user, world.who("m1-analyst").user
    return Item(
        marking,
        owner,
        orgs=frozenset({centre}) if marking is TLP.AMBER else frozenset(),
        people=frozenset(u for u in named if u is not None) if marking is TLP.RED else frozenset(),
        container_orgs=frozenset({centre}),  # linked to the AMBER case, which names the centre
    )


def test_roles_give_no_sight() -> None:
    """An administrator of the partner sees what the partner's viewer sees: CLEAR."""
    partner = Viewer(user=1, org=4, org_kind="partner")
    admin = Viewer(user=2, org=4, org_kind="partner")
    for marking in TLP:
        item = Item(marking, owner_org=1)
        assert sees(partner, item) == sees(admin, item) == (marking is TLP.CLEAR)


def test_the_pure_rule_case_by_case() -> None:
    member, centre, partner = (
        Viewer(1, 10, "member"),
        Viewer(2, 20, "centre"),
        Viewer(3, 30, "partner"),
    )
    nobody, gone = Viewer(None, None, None), Viewer(4, 10, "member", active=False)
    item = Item(TLP.GREEN, owner_org=10)
    assert [sees(v, item) for v in (member, centre, partner, nobody, gone)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    amber = Item(TLP.AMBER, owner_org=99, orgs=frozenset({20}), container_orgs=frozenset({30}))
    assert [sees(v, amber) for v in (member, centre, partner)] == [False, True, True]
    strict = Item(TLP.AMBER_STRICT, owner_org=10, orgs=frozenset({20}))
    assert [sees(v, strict) for v in (member, centre, partner)] == [True, False, False]
    red = Item(TLP.RED, owner_org=10, people=frozenset({3}))
    assert [sees(v, red) for v in (member, centre, partner)] == [False, False, True]
    assert sees(nobody, Item(TLP.CLEAR, 10)) and not sees(gone, Item(TLP.CLEAR, 10))


def test_access_keys_are_equal_exactly_for_the_same_sight(world: World) -> None:
    keys = {name: access_key(world.who(name)) for name in usernames() if name != DISABLED}
    assert len(set(keys.values())) == len(keys)  # each person can be named on RED alone
    assert access_key(operator()) == access_key(Principal("system:watch", "watch")) == "clear"
    again = world.who("m1-viewer")
    assert access_key(again) == keys["m1-viewer"]
