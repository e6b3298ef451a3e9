"""The audit log as GET /audit and GET /audit/verify show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from outpost.records import AuditEntry, AuditValue
from outpost.services.audit import AuditCheck


class AuditEntryPublic(BaseModel):
    id: int = Field(description="The entry's place in the chain: 1, 2, 3...")
    at: datetime
    actor: str = Field(description="Who acted: user:NAME, or a token's owner.")
    action: str = Field(description="user.add, sign-in.failed, case.marking...")
    target: str = Field(description="What it was done to: user:NAME, org:CODE, case:ID...")
    detail: dict[str, AuditValue]
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntryPublic] = Field(description="Newest first.")
    next_before: int | None = Field(
        description="Pass as `before` for the next (older) page; null on the last page."
    )


class AuditCheckPublic(BaseModel):
    intact: bool
    entries: int = Field(description="Entries read: all of them, or up to the broken link.")
    broken_id: int | None = Field(description="The first broken link's entry id.")
    why: str | None = Field(description="Why that link does not hold.")


def entry_public(e: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=e.id,
        at=e.at,
        actor=e.actor,
        action=e.action,
        target=e.target,
        detail=e.detail,
        prev_hash=e.prev_hash,
        hash=e.hash,
    )


def check_public(checked: AuditCheck) -> AuditCheckPublic:
    broken = checked.broken
    return AuditCheckPublic(
        intact=broken is None,
        entries=checked.entries,
        broken_id=broken.id if broken else None,
        why=broken.why if broken else None,
    )
