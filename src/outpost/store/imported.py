"""What partners sent, in the store: one row per object, read only through the visibility rule.

Every function takes the caller's Connection and never opens a transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, or_, select, update

from outpost.markings import TLP
from outpost.records import Principal, Received, Sent
from outpost.store import marked
from outpost.store.dialect import in_lists
from outpost.store.lists.keyset import Listed, Slice, Sort, sort_of
from outpost.store.schema import imported
from outpost.store.times import aware, to_db
from outpost.store.visibility import name_people, visible

KIND = "imported"
# Newest first: ids grow as objects come in (the primary key's index serves the page).
SORTS = {"-imported": Sort(imported.c.id, imported.c.id, descending=True)}
WORDS = 200  # words sought in one query (each a LIKE)


@dataclass(frozen=True)
class Provenance:
    """Where what is kept came from: the partner or file, the producer it named, who imports
    it (the user) for which organisation, and when."""

    source: str
    origin: str
    owner_org: int
    maker: int | None
    at: datetime


def keep(conn: Connection, item: Sent, came: Provenance) -> str:
    """Add the object, or update it when it is newer and differs: 'added', 'updated' or
    'unchanged'. A re-import of the same object (or an older one) changes nothing."""
    text = json.dumps(item.record, sort_keys=True, ensure_ascii=False)
    found = conn.execute(
        select(imported.c.id, imported.c.record, imported.c.marking, imported.c.modified).where(
            imported.c.owner_org == came.owner_org, imported.c.key == item.key
        )
    ).first()
    if found is None:
        values = {
            **_values(item, text, came),
            "owner_org": came.owner_org,
            "created_by": came.maker,
            "imported": to_db(came.at),
        }
        made = conn.execute(imported.insert().values(values).returning(imported.c.id))
        _name_maker(conn, item, int(made.scalar_one()), came.maker)
        return "added"
    same = found.record == text and found.marking == item.marking.value
    if same or aware(found.modified) >= item.modified:
        return "unchanged"
    conn.execute(
        update(imported).where(imported.c.id == found.id).values(_values(item, text, came))
    )
    _name_maker(conn, item, found.id, came.maker)
    return "updated"


def _values(item: Sent, text: str, came: Provenance) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "key": item.key,
        "record": text,
        "marking": item.marking.value,
        "modified": to_db(item.modified),
        "source": came.source,
        "origin": came.origin,
        "updated": to_db(came.at),
    }


def _name_maker(conn: Connection, item: Sent, row: int, maker: int | None) -> None:
    """A RED object names the person who imported it (as a RED item names its maker): the
    partner's named people are not people of this Outpost."""
    if item.marking is TLP.RED and maker is not None:
        name_people(conn, KIND, row, [maker])


def seen(conn: Connection, who: Principal, kinds: Sequence[str] | None = None) -> list[Received]:
    """Every imported object `who` may see (of these kinds), oldest first."""
    query = marked.with_people(imported).where(visible(who, imported, KIND))
    if kinds is not None:
        query = query.where(imported.c.kind.in_(list(kinds)))
    return [_received(row) for row in conn.execute(query.order_by(imported.c.id))]


def hidden_keys(conn: Connection, who: Principal, kind: str) -> set[str]:
    """The keys of the imported objects of this kind that `who` may not see (an export
    leaves out what refers to them; the keys themselves are never shown)."""
    query = select(imported.c.key).where(imported.c.kind == kind, ~visible(who, imported, KIND))
    return set(conn.execute(query).scalars())


def page(
    conn: Connection, who: Principal, s: Slice, kind: str | None = None, source: str | None = None
) -> Listed[Received]:
    """A page of the imported objects `who` may see, newest first; of one kind, and from a
    source whose name holds `source` (any case), when given."""
    where: list[Any] = [visible(who, imported, KIND)]
    if kind is not None:
        where.append(imported.c.kind == kind)
    if source is not None:
        where.append(imported.c.source.icontains(source, autoescape=True))
    query = marked.with_people(imported)
    sort = sort_of(SORTS, s.sort)
    return marked.page(conn, imported, query, where, sort, s, lambda rows: map(_received, rows))


def get(conn: Connection, who: Principal, item: int) -> Received | None:
    """The imported object if it exists and `who` may see it; None alike otherwise."""
    query = marked.with_people(imported).where(imported.c.id == item, visible(who, imported, KIND))
    row = conn.execute(query).first()
    return None if row is None else _received(row)


def of_keys(conn: Connection, who: Principal, kind: str, keys: Sequence[str]) -> list[Received]:
    """The imported objects of `kind` with these keys (STIX ids, MISP uuids) that `who` may
    see, oldest first: one key may come from several organisations' imports."""
    found: list[Received] = []
    for chunk in in_lists(keys):
        query = marked.with_people(imported).where(
            visible(who, imported, KIND),
            imported.c.kind == kind,
            imported.c.key.in_(chunk),
        )
        found += [_received(row) for row in conn.execute(query.order_by(imported.c.id))]
    return found


def mentioning(conn: Connection, who: Principal, kind: str, words: Sequence[str]) -> list[Received]:
    """The imported objects of `kind` `who` may see whose record's text holds any of the
    words (ids: the caller reads the records to tell a mention from a match), oldest first."""
    found: dict[int, Received] = {}
    for start in range(0, len(words), WORDS):
        chunk = words[start : start + WORDS]
        held = [imported.c.record.contains(w, autoescape=True) for w in chunk]
        query = marked.with_people(imported).where(
            visible(who, imported, KIND), imported.c.kind == kind, or_(*held)
        )
        found |= {row.id: _received(row) for row in conn.execute(query)}
    return [found[i] for i in sorted(found)]


def _received(row: Row[Any]) -> Received:
    return Received(
        id=row.id,
        kind=row.kind,
        key=row.key,
        record=json.loads(row.record),
        marking=TLP(row.marking),
        owner_org=row.owner_code,
        modified=aware(row.modified),
        source=row.source,
        origin=row.origin,
        imported=aware(row.imported),
        imported_by=row.maker,
    )
