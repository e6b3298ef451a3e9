"""Alerts as the API shows them, and the change an analyst makes to one."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from outpost.records import Delivery
from outpost.store.alerts import Handled

State = Literal["new", "acknowledged", "closed"]
# withheld: never sent, as its target's organisation may not see the alert
DeliveryState = Literal["pending", "sent", "failing", "withheld"]


class EvidencePublic(BaseModel):
    """One reason the alert was raised: a sentence and what it shows."""

    kind: str = Field(description="event, threat, keyword, place, actor or spike")
    label: str
    sentence: str
    confidence: float | None
    article: str | None = Field(None, description="The article's id.")
    url: str | None = None


class DeliveryPublic(BaseModel):
    target: str = Field(description="webhook:NAME or email:NAME")
    state: DeliveryState
    attempts: int
    next_attempt: datetime
    last_error: str | None
    sent: datetime | None


class AlertPublic(BaseModel):
    id: int
    rule_id: str
    subject: str = Field(description="The story's id, or the series and day of a spike.")
    story_id: str | None
    state: State
    severity: str = Field(description="CAP 1.2, lower case")
    urgency: str
    certainty: str
    title: str
    article_count: int
    evidence: list[EvidencePublic]
    created: datetime
    updated: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    deliveries: list[DeliveryPublic]
    plan: str | None = Field(description="The id of the plan that raised it; null: open sources.")
    marking: str = Field(description="TLP 2.0: CLEAR, or that of its plan as it is now.")


class AlertUpdate(BaseModel):
    """Acknowledge or close the alert; who and when are recorded."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["acknowledged", "closed"]


def alert_public(found: Handled) -> AlertPublic:
    a = found.alert
    return AlertPublic(
        id=a.id,
        rule_id=a.rule_id,
        subject=a.subject,
        story_id=a.story_id,
        state=cast(State, a.state),  # pydantic checks it is one
        severity=a.severity,
        urgency=a.urgency,
        certainty=a.certainty,
        title=a.title,
        article_count=a.article_count,
        evidence=[evidence_public(e) for e in a.evidence],
        created=a.created,
        updated=a.updated,
        acknowledged_by=found.acknowledged_by,
        acknowledged_at=found.acknowledged_at,
        closed_by=found.closed_by,
        closed_at=found.closed_at,
        deliveries=[delivery_public(d) for d in a.deliveries],
        plan=a.plan,
        marking=a.marking,
    )


def evidence_public(item: Mapping[str, object]) -> EvidencePublic:
    """Evidence as stored (JSON written by the warning step), each field read for its type."""
    confidence = item.get("confidence")
    return EvidencePublic(
        kind=_text(item.get("kind")) or "",
        label=_text(item.get("label")) or "",
        sentence=_text(item.get("sentence")) or "",
        confidence=float(confidence)
        if isinstance(confidence, int | float) and math.isfinite(confidence)
        else None,
        article=_text(item.get("article")),
        url=_text(item.get("url")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def delivery_public(d: Delivery) -> DeliveryPublic:
    return DeliveryPublic(
        target=d.target,
        state=cast(DeliveryState, d.state),
        attempts=d.attempts,
        next_attempt=d.next_attempt,
        last_error=d.last_error,
        sent=d.sent,
    )
