"""The world of the access matrix (tests/test_access_matrix.py): the organisations and people
of tests/marked_world.py (the owner member state m1, another member state m2, the centre crc,
a partner p1, a user of every role in each), and one item of every marked kind at every
marking, owned by m1, each carrying a canary: a word found nowhere else, so that a response
body holding it shows that item.

Named on the items: AMBER ones name the centre (an AMBER plan has a measure assigned to it,
which names it); RED ones name their maker and m2's viewer (`marked_world.NAMED`). The
imported items are places a partner sent, imported by m1's analyst, the canary their name and
their key (which the Imports list shows). Besides the marked items, one of each
machine-derived kind the routes take by id (an alert, an article, an event and its story),
which everyone signed in sees.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime

from sqlalchemy import Connection, select

from outpost.export.stix_in import Parcel
from outpost.export.taxii import collection_id
from outpost.markings import TLP
from outpost.records import Draft, Place, Principal, Sent
from outpost.respond.people import principal_for
from outpost.services import (
    assessments,
    case_work,
    cases,
    imports,
    people,
    plan_sharing,
    plan_work,
    plans,
    taxii,
)
from outpost.services.context import Context
from outpost.services.ingest import save_draft
from outpost.services.stories import cluster_store, list_stories
from outpost.services.tokens import create_api_token
from outpost.store import people as people_store
from outpost.store.schema import imported, organisations, users
from outpost.store.stories import StoryFilter
from outpost.store.visibility import name_orgs, name_people
from tests import marked_world
from tests.marked_world import AMBER_ORG, NAMED, ORGS, PASSWORD
from tests.test_api_alerts import raise_alerts

# The kinds of marked items a route names by id ("imported": what a partner sent).
MARKED = ("assessment", "case", "plan", "imported")
MAKERS = {
    "assessment": "m1-analyst",
    "case": "m1-analyst",
    "plan": "m1-coordinator",
    "imported": "m1-analyst",  # who imported it: a RED import names its importer
}
MISSING = 2**31 - 1  # an id no item has
MISSING_PLAN = "no-such-plan"
SPARE = "m1-spare"  # a user no one asks as: the people pages' changes are made to it
# The TAXII collections, as a marked kind: each holds what one marking reaches, and a
# principal reads it iff it sees that marking's items (`org-m1`: the AMBER+STRICT reach).
COLLECTIONS = {TLP.CLEAR: "public", TLP.GREEN: "alliance", TLP.AMBER_STRICT: "org-m1"}
DUE = date(2030, 9, 16)
# The organisations each plan's measure is assigned to: the AMBER plan's is the centre's,
# which names it on the plan (AMBER reaches the organisations named on the item).
ASSIGNED = {m: {AMBER_ORG} if m is TLP.AMBER else {"m1"} for m in TLP}


def canary(kind: str, marking: TLP) -> str:
    """The word only the `kind` item of `marking` carries (in its title)."""
    return f"zqx{kind}{marking.word.replace('+', '')}qz"


def comment_canary(marking: TLP) -> str:
    return f"zqxcomment{marking.word.replace('+', '')}qz"


@dataclass
class AccessWorld:
    ctx: Context  # as the operator
    items: dict[str, dict[TLP, dict[str, str]]]  # kind -> marking -> path parameters
    missing: dict[str, dict[str, str]]  # kind -> path parameters of no item
    clear: dict[str, str]  # path parameters of the machine-derived items
    tokens: dict[str, str] = field(default_factory=dict)  # username -> API token

    def who(self, username: str) -> Principal:
        with self.ctx.engine.connect() as conn:
            user = people_store.user_by_name(conn, username)
        assert user is not None
        return principal_for(user)


def sees(username: str | None, kind: str, marking: TLP) -> bool:
    """Whether the user sees the world's `kind` item of `marking`: written out from the rule
    (tests/marked_world.py's table), the RED ones naming their maker and NAMED."""
    if kind == "collection":
        return marking in COLLECTIONS and marking in marked_world.expected(username)
    if marking is TLP.RED:
        return username in (MAKERS[kind], NAMED)
    return marking in marked_world.expected(username)


def build(ctx: Context) -> AccessWorld:
    for code, kind in ORGS.values():
        people.add_org(ctx, code, f"Organisation {code}", kind=kind)
    for name in marked_world.usernames()[:-1]:  # not the disabled one: not a principal here
        org, role = name.split("-", 1)
        people.add_user(ctx, name, org, role, password=PASSWORD)
    people.add_user(ctx, SPARE, "m1", "viewer")
    world = AccessWorld(ctx, {}, {}, {})
    analyst = ctx.acting(world.who(MAKERS["assessment"]))
    coordinator = ctx.acting(world.who(MAKERS["plan"]))
    machine = _machine_items(ctx)
    judged = machine.pop("judged")
    world.items["assessment"] = {m: _assessment(analyst, m, judged) for m in TLP}
    linked = [int(p["assessment_id"]) for p in world.items["assessment"].values()]
    world.items["case"] = {m: _case(analyst, m, linked) for m in TLP}
    world.items["plan"] = {m: _plan(coordinator, m) for m in TLP}
    world.items["imported"] = {m: _imported(analyst, m) for m in TLP}
    world.items["collection"] = {
        m: {"collection": collection_id(k)} for m, k in COLLECTIONS.items()
    }
    world.missing = {
        "assessment": {"assessment_id": str(MISSING), "item": str(MISSING)},
        "case": {"case_id": str(MISSING), "task_id": str(MISSING)},
        "plan": {"plan_id": MISSING_PLAN, "number": "1"},
        "imported": {"imported_id": str(MISSING)},
        "collection": {"collection": collection_id("org-none")},
    }
    world.clear = machine | {"username": SPARE, "object_id": _clear_object(ctx)}
    for name in marked_world.usernames()[:-1]:
        world.tokens[name] = create_api_token(ctx.acting(world.who(name)), "matrix")[1]
    return world


def _assessment(writer: Context, marking: TLP, event: str) -> dict[str, str]:
    """An assessment of the world's event: exports and TAXII hold what judges what they hold."""
    orgs, named = marked_world.names(marking)
    draft = marked_world.draft(marking, f"Assessment {canary('assessment', marking)}")
    draft = replace(draft, target_kind="event", target_id=event)
    made = assessments.create_assessment(writer, draft, orgs, named)
    return {"assessment_id": str(made.id), "item": str(made.id)}


def _case(writer: Context, marking: TLP, linked: list[int]) -> dict[str, str]:
    orgs, named = marked_world.names(marking)
    title = f"Case {canary('case', marking)}"
    case = cases.open_case(writer, title, marking=marking.value, orgs=orgs, people=named)
    case_work.comment_case(writer, case.id, f"Said {comment_canary(marking)}")
    for assessment in linked:  # a case shows only the linked ones its viewer sees
        case_work.link_case(writer, case.id, "assessment", str(assessment))
    task = case_work.add_case_task(writer, case.id, f"Task of {canary('case', marking)}")
    return {
        "case_id": str(case.id),
        "task_id": str(task.id),
        "kind": "assessment",
        "target_id": str(linked[0]),
    }


def _plan(coordinator: Context, marking: TLP) -> dict[str, str]:
    plan_id = f"plan-{marking.word.replace('+', '-')}"
    title = f"Plan {canary('plan', marking)}"
    plans.create_plan(coordinator, plan_id, title, due=DUE, marking=marking.value, fixed_id=True)
    orgs = sorted(ASSIGNED[marking])
    plan_work.add_measure(coordinator, plan_id, f"Measure of {title}", orgs, DUE)
    if marking is TLP.RED:
        plan_sharing.share_plan(coordinator, plan_id, people=[NAMED])
    return {"plan_id": plan_id, "number": "1"}


def _imported(importer: Context, marking: TLP) -> dict[str, str]:
    """A place a partner sent at this marking, imported by m1's analyst; named as the other
    kinds are (an import has no sharing of its own to do it: the names are written here)."""
    word = canary("imported", marking)
    place = Place(word, 0, 5, word, 38.5, 68.8, "TJ", None, None, "city", 0.9)
    sent = Sent(
        "place", f"location--{word}", asdict(place), marking, datetime(2025, 3, 1, tzinfo=UTC)
    )
    imports.import_parcel(importer, "partner.json", "stix", Parcel((sent,), (), (), None))
    orgs, named = marked_world.names(marking)
    with importer.engine.begin() as conn:
        item = conn.execute(select(imported.c.id).where(imported.c.key == sent.key)).scalar_one()
        name_orgs(conn, "imported", item, [_id_of(conn, "org", c) for c in orgs])
        name_people(conn, "imported", item, [_id_of(conn, "user", n) for n in named])
    return {"imported_id": str(item)}


def _id_of(conn: Connection, what: str, name: str) -> int:
    table = organisations if what == "org" else users
    column = organisations.c.code if what == "org" else users.c.username
    return int(conn.execute(select(table.c.id).where(column == name)).scalar_one())


def _machine_items(ctx: Context) -> dict[str, str]:
    """An alert, an article, an event of another article and its story (CLEAR,
    machine-derived), by the parameters that name them; "judged": the event, which the
    assessments judge."""
    (alert,) = raise_alerts(ctx, 1)
    stored = save_draft(ctx.engine, _article())
    judged = marked_world.save_event(ctx, replace(_article(), locator="test:judged", raw=b"j"))
    cluster_store(ctx.engine)  # the judged event's article makes a story
    (story,) = list_stories(ctx, StoryFilter())
    return {
        "alert_id": str(alert),
        "article_id": stored.uid,
        "key": stored.uid,
        "judged": str(judged),
        "event_id": str(judged),
        "story_id": story.id,
    }


def _clear_object(ctx: Context) -> str:
    """The STIX id of the CLEAR assessment's note, as the TAXII collections hand it out."""
    word = canary("assessment", TLP.CLEAR)
    notes = (o for o in taxii.stix_objects(ctx) if o["type"] == "note")
    (found,) = (o["id"] for o in notes if word in str(o))
    return str(found)


def _article() -> Draft:
    text = "Border guards reported calm on the Panj river on Monday, officials said."
    return Draft(
        text=text,
        source="matrix",
        locator="test:matrix",
        raw=text.encode(),
        media_type="text/plain",
        title="Calm on the river",
        url="https://news.example/calm",
        published=datetime(2025, 3, 13, 9, tzinfo=UTC),
        lang="en",
        external_id="matrix-1",
    )
