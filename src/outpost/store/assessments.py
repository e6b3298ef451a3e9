"""Assessments in the store, always read through the visibility rule; and their review tasks.

Every function takes the caller's Connection and never opens a transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, exists, select, update

from outpost.records import Assessment, AssessmentDraft, Judgement, Principal, Sharing, Task
from outpost.store import marked
from outpost.store.dialect import in_lists
from outpost.store.lists.keyset import Listed, Slice, Sort, sort_of
from outpost.store.schema import articles, assessments, events, stories, tasks
from outpost.store.times import aware, from_db, to_db
from outpost.store.visibility import visible

KIND = "assessment"
SORTS = {
    "-updated": Sort(assessments.c.updated, assessments.c.id, descending=True),
    "updated": Sort(assessments.c.updated, assessments.c.id, descending=False),
}


def insert(
    conn: Connection, draft: AssessmentDraft, owner_org: int, maker: int | None, now: datetime
) -> int:
    values = {
        **_values(draft),
        "marking": draft.marking.value,
        "owner_org": owner_org,
        "created_by": maker,
        "created": to_db(now),
        "updated": to_db(now),
    }
    made = conn.execute(assessments.insert().values(values).returning(assessments.c.id))
    return int(made.scalar_one())


def replace_fields(conn: Connection, item: int, draft: AssessmentDraft, now: datetime) -> None:
    values = {**_values(draft), "updated": to_db(now)}
    conn.execute(update(assessments).where(assessments.c.id == item).values(values))


def touch(conn: Connection, item: int, now: datetime) -> None:
    conn.execute(update(assessments).where(assessments.c.id == item).values(updated=to_db(now)))


def _values(draft: AssessmentDraft) -> dict[str, Any]:
    return {
        "target_kind": draft.target_kind,
        "target_id": draft.target_id,
        "title": draft.title,
        "judgements": json.dumps([[j.text, j.likelihood] for j in draft.judgements]),
        "confidence": draft.confidence,
        "reliability": draft.reliability,
        "credibility": draft.credibility,
        "evidence": json.dumps(
            {"events": list(draft.evidence_events), "articles": list(draft.evidence_articles)}
        ),
        "valid_from": draft.valid_from,
        "valid_until": draft.valid_until,
        "review": draft.review,
    }


def get(conn: Connection, who: Principal, item: int) -> Assessment | None:
    """The assessment if it exists and `who` may see it; None alike for both other cases."""
    query = marked.with_people(assessments).where(
        assessments.c.id == item, visible(who, assessments, KIND)
    )
    row = conn.execute(query).first()
    return None if row is None else _convert(conn, [row])[0]


def of_targets(conn: Connection, who: Principal, kind: str, ids: Sequence[str]) -> list[Assessment]:
    """The assessments `who` may see of these events or stories (oldest first)."""
    found: list[Assessment] = []
    for chunk in in_lists(ids):
        query = (
            marked.with_people(assessments)
            .where(visible(who, assessments, KIND), assessments.c.target_kind == kind)
            .where(assessments.c.target_id.in_(chunk))
            .order_by(assessments.c.id)
        )
        found += _convert(conn, list(conn.execute(query)))
    return found


def page(
    conn: Connection, who: Principal, target: tuple[str, str] | None, s: Slice
) -> Listed[Assessment]:
    """A page of the assessments `who` may see (of one target, when given)."""
    where: list[Any] = [visible(who, assessments, KIND)]
    if target is not None:
        where += [assessments.c.target_kind == target[0], assessments.c.target_id == target[1]]
    query = marked.with_people(assessments)
    sort = sort_of(SORTS, s.sort)
    return marked.page(conn, assessments, query, where, sort, s, lambda rows: _convert(conn, rows))


def _convert(conn: Connection, rows: Sequence[Row[Any]]) -> list[Assessment]:
    shared = marked.sharing(conn, KIND, rows)
    return [_assessment(row, shared[row.id]) for row in rows]


def _assessment(row: Row[Any], sharing: Sharing) -> Assessment:
    evidence = json.loads(row.evidence)
    return Assessment(
        id=row.id,
        target_kind=row.target_kind,
        target_id=row.target_id,
        title=row.title,
        judgements=tuple(Judgement(text, how) for text, how in json.loads(row.judgements)),
        confidence=row.confidence,
        reliability=row.reliability,
        credibility=row.credibility,
        evidence_events=tuple(evidence["events"]),
        evidence_articles=tuple(evidence["articles"]),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        review=row.review,
        sharing=sharing,
        created_by=row.maker,
        created=aware(row.created),
        updated=aware(row.updated),
    )


# --- what an assessment points at ----------------------------------------------------------


def target_exists(conn: Connection, kind: str, ident: str) -> bool:
    """Whether an event or story of this id exists (an indicator series always may)."""
    if kind == "event":
        return bool(conn.execute(select(exists().where(events.c.id == int(ident)))).scalar())
    if kind == "story":
        return bool(conn.execute(select(exists().where(stories.c.id == ident))).scalar())
    return True


def missing(conn: Connection, table: Any, ids: Sequence[int]) -> list[int]:
    """Those of `ids` that are no row of `table` (events or articles)."""
    if not ids:
        return []
    found = set(conn.execute(select(table.c.id).where(table.c.id.in_(ids))).scalars())
    return [i for i in ids if i not in found]


EVIDENCE = {"evidence_events": events, "evidence_articles": articles}


# --- its review, a task ---------------------------------------------------------------------


def set_review_task(
    conn: Connection, item: int, title: str, due: date | None, now: datetime
) -> None:
    """The assessment's one review task, due on its review date (removed with the date); a
    new date makes it not done again."""
    if due is None:
        conn.execute(delete(tasks).where(tasks.c.assessment_id == item))
        return
    found = conn.execute(select(tasks.c.due).where(tasks.c.assessment_id == item)).first()
    if found is None:
        values = {"assessment_id": item, "title": title, "due": due, "created": to_db(now)}
        conn.execute(tasks.insert().values(values))
    elif found.due != due:
        conn.execute(
            update(tasks)
            .where(tasks.c.assessment_id == item)
            .values(title=title, due=due, done=None, done_by=None)
        )


def review_tasks(conn: Connection, ids: Sequence[int]) -> list[Task]:
    if not ids:
        return []
    query = select(tasks).where(tasks.c.assessment_id.in_(ids)).order_by(tasks.c.due, tasks.c.id)
    return [task(row) for row in conn.execute(query)]


def task(row: Row[Any]) -> Task:
    return Task(
        id=row.id,
        title=row.title,
        due=row.due,
        done=from_db(row.done),
        done_by=row.done_by,
        case_id=row.case_id,
        assessment_id=row.assessment_id,
    )
