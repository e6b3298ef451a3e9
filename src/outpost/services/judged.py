"""The assessments an export carries: those the viewer may see of the selected events and
stories and of the indicator series those events count in, its own organisation's and those
imported from partners, each with its marking.
An assessment of something outside the selection is left out (nothing outside is referred
to), and so is one the viewer may not see (the visibility rule, inside the query)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection

from outpost.export import shapes
from outpost.export.bundle import Judged, Marked, Selection, series_of
from outpost.markings import TLP
from outpost.records import Assessment, Principal
from outpost.store import assessments as store
from outpost.store import imported


def with_assessments(conn: Connection, who: Principal, sel: Selection) -> Selection:
    events = [str(m.item.row.id) for m in sel.events]
    stories = [m.item.id for m in sel.stories]
    series = sorted({k for m in sel.events for k in series_of(m.item)})
    chosen = (("event", events), ("story", stories), ("indicator", series))
    local = [
        Marked(judged(a, sel.producer.id), TLP(a.sharing.marking))
        for kind, ids in chosen
        for a in store.of_targets(conn, who, kind, ids)
    ]
    targets = {(kind, i) for kind, ids in chosen for i in ids}
    received = [
        Marked(shapes.judged_from(r.record), r.marking)
        for r in imported.seen(conn, who, ("assessment",))
    ]
    held = {(m.item.origin, m.item.id) for m in local}
    more = [
        m for m in received
        if (m.item.target_kind, m.item.target_id) in targets
        and (m.item.origin, m.item.id) not in held
    ]  # fmt: skip
    return replace(sel, assessments=(*sel.assessments, *local, *_once(more)))


def _once(found: list[Marked[Judged]]) -> list[Marked[Judged]]:
    seen: dict[tuple[str, int], Marked[Judged]] = {}
    for m in found:
        seen.setdefault((m.item.origin, m.item.id), m)
    return list(seen.values())


def judged(a: Assessment, origin: str) -> Judged:
    """An assessment as exported by `origin`, without who is named on it."""
    return Judged(
        id=a.id,
        origin=origin,
        target_kind=a.target_kind,
        target_id=a.target_id,
        title=a.title,
        judgements=tuple((j.text, j.likelihood) for j in a.judgements),
        confidence=a.confidence,
        reliability=a.reliability,
        credibility=a.credibility,
        valid_from=a.valid_from.isoformat() if a.valid_from else None,
        valid_until=a.valid_until.isoformat() if a.valid_until else None,
        created=a.created,
        updated=a.updated,
    )
