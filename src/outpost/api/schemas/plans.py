"""Joint response plans as the API shows and takes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from outpost.api.schemas.common import Day
from outpost.api.schemas.marked import MARKING, SharingPublic, sharing_public
from outpost.records import Evidence, Measure, StoredPlan, Transition
from outpost.respond.plans import DEFAULT_MARKING
from outpost.respond.rollup import BoardItem, Rollup
from outpost.respond.templates import PlanTemplate

ORGS = "Codes of the organisations assigned."
MAX_ORGS = 50


class PlanCreate(BaseModel):
    """A new plan of the token's person's organisation (its coordinators): from a template
    (`template`, `start`, `orgs`), drafted from the decisions with deadlines among events
    (`draft_from_events`: true, with `events` ids or all of them), or empty (a `title`)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        None,
        max_length=64,
        description="How the plan's id begins (letters, digits, '.', '_', '-'; by default "
        "from the title or template); the id is this with a random ending, so that no "
        "answer tells of a plan one may not see.",
    )
    title: str | None = Field(None, max_length=300)
    description: str = Field("", max_length=20_000)
    due: Day | None = None
    marking: str = Field(DEFAULT_MARKING.value, max_length=40, description=MARKING)
    template: str | None = Field(None, max_length=64, description="A template's id.")
    start: Day | None = Field(None, description="The day a template's plan starts.")
    orgs: list[str] = Field(default_factory=list, max_length=MAX_ORGS, description=ORGS)
    draft_from_events: bool = False
    events: list[int] | None = Field(None, max_length=500)


class MeasureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=300)
    description: str = Field("", max_length=20_000)
    orgs: list[str] = Field(min_length=1, max_length=MAX_ORGS, description=ORGS)
    due: Day
    critical: Day | None = Field(None, description="Past it, the measure escalates.")
    owner: str | None = Field(None, max_length=40, description="A username of an assigned org.")
    domain: str | None = Field(None, max_length=40, description="A threat domain's id.")


class MeasureAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    orgs: list[str] = Field(min_length=1, max_length=MAX_ORGS, description=ORGS)
    owner: str | None = Field(None, max_length=40)


class MeasureDates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due: Day
    critical: Day | None = None


class MeasureStep(BaseModel):
    """A step of the measure's life: acknowledge, start, report (with a report), block (with
    a reason), unblock (assigned organisations); reopen (with a note; the owner's
    coordinators)."""

    model_config = ConfigDict(extra="forbid")

    step: str = Field(max_length=16)
    note: str = Field("", max_length=20_000)
    report: str | None = Field(None, max_length=20_000)
    reason: str | None = Field(None, max_length=20_000)
    evidence: list[Annotated[str, Field(max_length=20_000)]] = Field(
        default_factory=list,
        max_length=50,
        description="With report: what shows it done, a reference or a sentence each.",
    )


class EvidencePublic(BaseModel):
    article: str | None
    event: int | None
    start: int | None
    end: int | None
    quote: str


class TransitionPublic(BaseModel):
    who: str
    at: datetime
    source: str | None
    target: str
    note: str


class MeasurePublic(BaseModel):
    id: str
    number: int
    title: str
    description: str
    orgs: list[str]
    due: date
    critical: date
    state: str
    owner: int | None
    report: str | None
    blocked_reason: str | None
    domain: str | None
    evidence: list[EvidencePublic]
    history: list[TransitionPublic]


class PlanPublic(BaseModel):
    id: str
    title: str
    description: str
    template: str | None
    due: date | None
    sharing: SharingPublic
    created_by: str
    created: datetime
    updated: datetime
    measures: list[MeasurePublic]


class RollupPublic(BaseModel):
    counts: dict[str, int]
    total: int
    share_done: float
    state: str
    next_due: date | None
    overdue: list[str]
    critical: list[str]


class BoardItemPublic(BaseModel):
    plan: str
    plan_title: str
    measure: MeasurePublic
    next_step: str | None
    overdue: bool
    critical: bool


class TemplatePublic(BaseModel):
    id: str
    title: str
    description: str
    measures: list[dict[str, str | int | None]]


def evidence_public(e: Evidence) -> EvidencePublic:
    return EvidencePublic(article=e.article, event=e.event, start=e.start, end=e.end, quote=e.quote)


def transition_public(t: Transition) -> TransitionPublic:
    source = t.source.value if t.source is not None else None
    return TransitionPublic(who=t.who, at=t.at, source=source, target=t.target.value, note=t.note)


def measure_public(m: Measure) -> MeasurePublic:
    return MeasurePublic(
        id=m.id,
        number=int(m.id.rsplit("/", 1)[1]),
        title=m.title,
        description=m.description,
        orgs=list(m.orgs),
        due=m.due,
        critical=m.critical,
        state=m.state.value,
        owner=m.owner,
        report=m.report,
        blocked_reason=m.blocked_reason,
        domain=m.domain,
        evidence=[evidence_public(e) for e in m.evidence],
        history=[transition_public(t) for t in m.history],
    )


def plan_public(s: StoredPlan) -> PlanPublic:
    p = s.plan
    return PlanPublic(
        id=p.id,
        title=p.title,
        description=p.description,
        template=p.template,
        due=p.due,
        sharing=sharing_public(s.sharing),
        created_by=p.created_by,
        created=s.created,
        updated=s.updated,
        measures=[measure_public(m) for m in p.measures],
    )


def rollup_public(r: Rollup) -> RollupPublic:
    return RollupPublic(
        counts={state.value: n for state, n in r.counts.items()},
        total=r.total,
        share_done=r.share_done,
        state=r.state.value,
        next_due=r.next_due,
        overdue=list(r.overdue),
        critical=list(r.critical),
    )


def board_item_public(i: BoardItem) -> BoardItemPublic:
    return BoardItemPublic(
        plan=i.plan,
        plan_title=i.plan_title,
        measure=measure_public(i.measure),
        next_step=i.next_step,
        overdue=i.overdue,
        critical=i.critical,
    )


def template_public(t: PlanTemplate) -> TemplatePublic:
    measures: list[dict[str, str | int | None]] = [
        {
            "title": m.title,
            "takes": m.takes,
            "due_days": m.due_days,
            "critical_days": m.critical_days,
            "domain": m.domain,
        }
        for m in t.measures
    ]
    return TemplatePublic(id=t.id, title=t.title, description=t.description, measures=measures)
