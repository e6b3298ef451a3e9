"""Assessments as the API shows and takes them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from outpost.api.schemas.common import Day
from outpost.api.schemas.marked import MARKING, SharingPublic, sharing_public
from outpost.markings import TLP
from outpost.records import Assessment, AssessmentDraft, Judgement, Task
from outpost.respond.assessments import LIKELIHOODS
from outpost.respond.visibility import DEFAULT

MAX_JUDGEMENTS = 50
MAX_EVIDENCE = 500


class JudgementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=20_000)
    likelihood: str = Field(description=f"One of: {', '.join(LIKELIHOODS)}.", max_length=40)


class AssessmentCreate(BaseModel):
    """A new assessment, owned by the writer's organisation."""

    model_config = ConfigDict(extra="forbid")

    target_kind: str = Field(description="event, story or indicator", max_length=16)
    target_id: str = Field(
        max_length=80, description="An event's id, a story's id, or a series: country:TJ."
    )
    title: str = Field(max_length=300)
    judgements: list[JudgementBody] = Field(max_length=MAX_JUDGEMENTS)
    confidence: str = Field(description="Analytic confidence: low, moderate or high.")
    reliability: str = Field(description="Admiralty source reliability, A to F.", max_length=1)
    credibility: int = Field(description="Admiralty information credibility, 1 to 6.")
    evidence_events: list[int] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    evidence_articles: list[int] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    valid_from: Day | None = None
    valid_until: Day | None = None
    review: Day | None = Field(None, description="The review date: a task, due then.")
    marking: str = Field(DEFAULT.value, max_length=40, description=MARKING)
    orgs: list[str] = Field(default_factory=list, description="Organisations to name (AMBER).")
    people: list[str] = Field(default_factory=list, description="People to name (RED).")


class AssessmentUpdate(BaseModel):
    """The fields to change; those not given stay."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=300)
    judgements: list[JudgementBody] | None = Field(None, max_length=MAX_JUDGEMENTS)
    confidence: str | None = None
    reliability: str | None = Field(None, max_length=1)
    credibility: int | None = None
    evidence_events: list[int] | None = Field(None, max_length=MAX_EVIDENCE)
    evidence_articles: list[int] | None = Field(None, max_length=MAX_EVIDENCE)
    valid_from: Day | None = None
    valid_until: Day | None = None
    review: Day | None = None


class TaskPublic(BaseModel):
    id: int
    title: str
    due: date | None
    done: datetime | None
    done_by: str | None
    case_id: int | None = Field(description="The case whose task it is.")
    assessment_id: int | None = Field(description="The assessment whose review it is.")


class AssessmentPublic(BaseModel):
    id: int
    target_kind: str
    target_id: str
    title: str
    judgements: list[JudgementBody]
    confidence: str
    reliability: str
    credibility: int
    evidence_events: list[int]
    evidence_articles: list[int]
    valid_from: Day | None
    valid_until: Day | None
    review: date | None
    sharing: SharingPublic
    created_by: str | None
    created: datetime
    updated: datetime


def judgements(given: list[JudgementBody]) -> tuple[Judgement, ...]:
    return tuple(Judgement(j.text, j.likelihood) for j in given)


def draft(body: AssessmentCreate, marking: TLP) -> AssessmentDraft:
    """The body as a draft for the services (`marking` parsed by them already)."""
    return AssessmentDraft(
        target_kind=body.target_kind,
        target_id=body.target_id,
        title=body.title,
        judgements=judgements(body.judgements),
        confidence=body.confidence,
        reliability=body.reliability,
        credibility=body.credibility,
        evidence_events=tuple(body.evidence_events),
        evidence_articles=tuple(body.evidence_articles),
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        review=body.review,
        marking=marking,
    )


def assessment_public(a: Assessment) -> AssessmentPublic:
    return AssessmentPublic(
        id=a.id,
        target_kind=a.target_kind,
        target_id=a.target_id,
        title=a.title,
        judgements=[JudgementBody(text=j.text, likelihood=j.likelihood) for j in a.judgements],
        confidence=a.confidence,
        reliability=a.reliability,
        credibility=a.credibility,
        evidence_events=list(a.evidence_events),
        evidence_articles=list(a.evidence_articles),
        valid_from=a.valid_from,
        valid_until=a.valid_until,
        review=a.review,
        sharing=sharing_public(a.sharing),
        created_by=a.created_by,
        created=a.created,
        updated=a.updated,
    )


def task_public(t: Task) -> TaskPublic:
    return TaskPublic(
        id=t.id,
        title=t.title,
        due=t.due,
        done=t.done,
        done_by=t.done_by,
        case_id=t.case_id,
        assessment_id=t.assessment_id,
    )
