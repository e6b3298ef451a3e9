"""A world of marked items for the visibility tests: four organisations (the owner member
state, another member state, the centre, a partner), a user of each role in each, a disabled
user; an assessment and a case of every marking, owned by the member state, each case with a
comment at its own marking and every assessment linked.

Named on the items: AMBER ones name the centre; RED ones name (besides their maker, the owner's
analyst) the other member state's viewer. So every role × own/other organisation × marking ×
RED named/not named has its answer, written out in `expected`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from outpost.markings import TLP
from outpost.records import AssessmentDraft, Doc, Draft, Event, Judgement, Principal
from outpost.respond.people import ROLES, principal_for
from outpost.services import assessments, case_work, cases, people
from outpost.services.context import Context, operator
from outpost.services.ingest import save_draft
from outpost.store import people as people_store
from outpost.store.facts import save_analysis
from outpost.store.schema import articles, events

ORGS = {"own": ("m1", "member"), "other": ("m2", "member"), "centre": ("crc", "centre")}
ORGS["partner"] = ("p1", "partner")
WRITER = "m1-analyst"  # makes every item
NAMED = "m2-viewer"  # named on every RED item
AMBER_ORG = "crc"  # named on every AMBER item
DISABLED = "m1-gone"  # an analyst of the owner, disabled
PASSWORD = "a long enough password"


@dataclass(frozen=True)
class World:
    ctx: Context  # as the operator
    assessments: dict[TLP, int]  # marking -> id
    cases: dict[TLP, int]

    def who(self, username: str) -> Principal:
        with self.ctx.engine.connect() as conn:
            user = people_store.user_by_name(conn, username)
        assert user is not None
        return principal_for(user)

    def as_(self, username: str) -> Context:
        return self.ctx.acting(self.who(username))


def usernames() -> list[str]:
    """Every user of every role in every organisation, and the disabled one."""
    return [f"{code}-{role.value}" for code, _ in ORGS.values() for role in ROLES] + [DISABLED]


def expected(username: str | None) -> set[TLP]:
    """The markings of the world's items a user sees (None: a principal of no organisation),
    written out from the rule rather than computed by it."""
    everyone = {TLP.CLEAR}
    if username is None:
        return everyone
    if username == DISABLED:
        return set()
    org = username.split("-")[0]
    seen = {
        "m1": everyone | {TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT},  # the owner
        "m2": everyone | {TLP.GREEN},  # another member state: the alliance
        "crc": everyone | {TLP.GREEN, TLP.AMBER},  # the centre: named on AMBER items
        "p1": everyone,  # a partner: not the alliance, named on nothing
    }[org]
    if username in (WRITER, NAMED):
        seen |= {TLP.RED}
    return seen


def build(ctx: Context) -> World:
    for code, kind in ORGS.values():
        people.add_org(ctx, code, f"Organisation {code}", kind=kind)
    for name in usernames():
        org, role = name.split("-", 1)
        people.add_user(ctx, name, org, "analyst" if role == "gone" else role, password=PASSWORD)
    writer = ctx.acting(_principal(ctx, WRITER))
    made_assessments = {
        m: assessments.create_assessment(writer, draft(m), *names(m)).id for m in TLP
    }
    made_cases = {m: _case(writer, m, made_assessments) for m in TLP}
    people.disable_user(ctx, DISABLED)
    return World(ctx, made_assessments, made_cases)


def names(marking: TLP) -> tuple[list[str], list[str]]:
    """(orgs, people) named on an item of this marking."""
    if marking is TLP.AMBER:
        return [AMBER_ORG], []
    if marking is TLP.RED:
        return [], [NAMED]
    return [], []


def draft(marking: TLP, title: str | None = None) -> AssessmentDraft:
    return AssessmentDraft(
        target_kind="indicator",
        target_id="country:TJ",
        title=title or f"Assessment {marking.value}",
        judgements=(Judgement("Incursions across the border continue", "likely"),),
        confidence="moderate",
        reliability="B",
        credibility=2,
        marking=marking,
    )


def _case(writer: Context, marking: TLP, linked: dict[TLP, int]) -> int:
    orgs, named = names(marking)
    case = cases.open_case(
        writer, f"Case {marking.value}", marking=marking.value, orgs=orgs, people=named
    )
    case_work.comment_case(writer, case.id, f"A comment on the {marking.value} case")
    for assessment in linked.values():
        case_work.link_case(writer, case.id, "assessment", str(assessment))
    return case.id


def _principal(ctx: Context, username: str) -> Principal:
    with ctx.engine.connect() as conn:
        user = people_store.user_by_name(conn, username)
    assert user is not None
    return principal_for(user)


def operator_context(ctx: Context) -> Context:
    return ctx.acting(operator())


def save_event(ctx: Context, draft: Draft) -> int:
    """The article stored with one event over its whole text, written as the analysis
    writes it (without running the pipeline); the event's id."""
    uid = save_draft(ctx.engine, draft).uid
    with ctx.engine.begin() as conn:
        article = conn.execute(select(articles.c.id).where(articles.c.uid == uid)).scalar_one()
        event = Event("ATTACK", 0.9, draft.text, 0, 9, domains=("terrorism",))
        save_analysis(conn, article, Doc(id=uid, text=draft.text, events=(event,)), "v1")
        found = select(events.c.id).where(events.c.article_id == article)
        return int(conn.execute(found).scalar_one())
