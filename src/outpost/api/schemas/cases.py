"""Cases as the API shows and takes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from outpost.api.schemas.assessments import TaskPublic, task_public
from outpost.api.schemas.common import Day
from outpost.api.schemas.marked import MARKING, SharingPublic, sharing_public
from outpost.records import AuditValue, Case, CaseView, Comment
from outpost.respond.visibility import DEFAULT


class CaseCreate(BaseModel):
    """A new case of the opener's organisation, opened from an alert, a story, or by hand."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=300)
    origin_kind: str = Field("manual", description="alert, story or manual", max_length=8)
    origin_id: str | None = Field(None, max_length=80, description="The alert's or story's id.")
    marking: str = Field(DEFAULT.value, max_length=40, description=MARKING)
    orgs: list[str] = Field(default_factory=list, description="Organisations to name (AMBER).")
    people: list[str] = Field(default_factory=list, description="People to name (RED).")


class CaseUpdate(BaseModel):
    """What to change: the title, the status, the assignee (null: no one). Those not given
    stay."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=300)
    status: str | None = Field(None, description="open, in-progress or closed")
    assignee: str | None = Field(None, max_length=40, description="A username; null: no one.")


class CasePublic(BaseModel):
    id: int
    title: str
    status: str
    assignee: str | None
    origin_kind: str
    origin_id: str | None
    sharing: SharingPublic
    created_by: str | None
    created: datetime
    updated: datetime


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="story, event, alert or assessment", max_length=16)
    id: str = Field(max_length=80)


class LinkPublic(BaseModel):
    kind: str
    id: str
    added: datetime
    marking: str = Field(description="CLEAR for what the machine derived; else the item's.")


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=20_000)
    marking: str | None = Field(
        None, max_length=40, description="Default: the case's; never looser than it."
    )


class CommentPublic(BaseModel):
    id: int
    case_id: int
    body: str
    sharing: SharingPublic
    created_by: str | None
    created: datetime


class EntryPublic(BaseModel):
    """An entry of the timeline, oldest first. Entries have no id here: ids count every
    case's entries, and a gap would tell of an entry the viewer may not see."""

    at: datetime
    actor: str
    what: str
    detail: dict[str, AuditValue]


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=300)
    due: Day | None = None


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    done: bool


class CaseDetail(CasePublic):
    """A case with what its viewer may see of it."""

    links: list[LinkPublic]
    comments: list[CommentPublic]
    timeline: list[EntryPublic]
    tasks: list[TaskPublic]
    shown_marking: str = Field(description="The strictest marking of all that is shown.")


def case_public(c: Case) -> CasePublic:
    return CasePublic(
        id=c.id,
        title=c.title,
        status=c.status,
        assignee=c.assignee,
        origin_kind=c.origin_kind,
        origin_id=c.origin_id,
        sharing=sharing_public(c.sharing),
        created_by=c.created_by,
        created=c.created,
        updated=c.updated,
    )


def comment_public(c: Comment) -> CommentPublic:
    return CommentPublic(
        id=c.id,
        case_id=c.case_id,
        body=c.body,
        sharing=sharing_public(c.sharing),
        created_by=c.created_by,
        created=c.created,
    )


def case_detail(v: CaseView) -> CaseDetail:
    return CaseDetail(
        **case_public(v.case).model_dump(),
        links=[LinkPublic(kind=x.kind, id=x.id, added=x.added, marking=x.marking) for x in v.links],
        comments=[comment_public(c) for c in v.comments],
        timeline=[
            EntryPublic(at=e.at, actor=e.actor, what=e.what, detail=e.detail) for e in v.timeline
        ],
        tasks=[task_public(t) for t in v.tasks],
        shown_marking=v.marking,
    )
