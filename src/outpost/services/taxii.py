"""The read-only TAXII 2.1 server's content, for the acting principal: its export (the same
selection and STIX writer as `outpost export stix`, through the same visibility) with the
assessments it may see, split into the collections it may read (outpost.export.taxii).

A collection the principal may not read answers as one that does not exist (None), and so
does an object outside what it may see. Every answer that hands out objects or their ids
(objects, an object, its versions, the manifest) is recorded in the audit log as an export.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from outpost.export.bundle import Selection
from outpost.export.stix import bundle
from outpost.export.stix_ids import EPOCH
from outpost.export.stix_received import arrivals
from outpost.export.taxii import (
    Collection,
    Entry,
    Found,
    Obj,
    Query,
    added_times,
    article_of,
    collections,
    entries,
    select,
)
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.exports import export_selection
from outpost.services.paging import Filters
from outpost.store.articles import fetched_times
from outpost.store.visibility import viewer_of

# The newest events served: each request builds the principal's export afresh, so a store of
# millions is served by its latest events (partners poll with added_after), never refused.
EVENTS = 5_000


def readable(ctx: Context) -> list[Collection]:
    """The collections the principal may read."""
    with ctx.engine.connect() as conn:
        viewer = viewer_of(conn, ctx.who)
    org = ctx.who.org if viewer.org is not None and viewer.active else None
    return collections(org, viewer.org_kind)


def collection(ctx: Context, ident: str) -> Collection | None:
    return next((c for c in readable(ctx) if c.id == ident), None)


def objects(ctx: Context, ident: str, query: Query, endpoint: str = "objects") -> Found | None:
    """A page of a collection's objects (or, alike, of its manifest), audited."""
    found = _entries(ctx, ident)
    if found is None:
        return None
    page = select(found[1], query)
    _audit(ctx, found[0], endpoint, page, query)
    return page


def one_object(ctx: Context, ident: str, object_id: str, query: Query) -> Found | None:
    """A page of one object's versions as objects; None when the collection or the object
    is not there for the principal (a filter that leaves none is an empty page)."""
    return _of_object(ctx, ident, object_id, replace(query, ids=(object_id,)), "object")


def versions(ctx: Context, ident: str, object_id: str, query: Query) -> Found | None:
    """A page of one object's versions; None as for `one_object`."""
    every = replace(query, ids=(object_id,), versions=("all",))
    return _of_object(ctx, ident, object_id, every, "versions")


def _of_object(
    ctx: Context, ident: str, object_id: str, query: Query, endpoint: str
) -> Found | None:
    found = _entries(ctx, ident)
    if found is None or not any(e.id == object_id for e in found[1]):
        return None
    page = select(found[1], query)
    _audit(ctx, found[0], endpoint, page, query)
    return page


def _entries(ctx: Context, ident: str) -> tuple[Collection, list[Entry]] | None:
    chosen = collection(ctx, ident)
    if chosen is None:
        return None
    selection = _selection(ctx)
    found = stix_objects(ctx, selection)
    added = added_times(found, _fetched(ctx, found)) | arrivals(selection)
    return chosen, entries(found, chosen, added)


def _fetched(ctx: Context, objects: list[Obj]) -> dict[str, datetime]:
    """When the articles of the events' reports were fetched, by article uid."""
    uids = [uid for o in objects if (uid := article_of(o)) is not None]
    with ctx.engine.connect() as conn:
        return fetched_times(conn, uids)


def stix_objects(ctx: Context, selection: Selection | None = None) -> list[Obj]:
    """Every STIX object the principal may have: its export of the newest events (with their
    actors, places, stories, and the assessments of those it sees: outpost export's
    selection, which holds what partners sent that it sees). `as_of` is fixed so that an
    object's `modified` (its TAXII version) changes only when the object does."""
    chosen = selection or _selection(ctx)
    found: list[Obj] = bundle(replace(chosen, as_of=EPOCH))["objects"]
    return found


def _selection(ctx: Context) -> Selection:
    return export_selection(ctx, Filters(), limit=EVENTS, newest=True)


def _audit(ctx: Context, chosen: Collection, endpoint: str, page: Found, query: Query) -> None:
    asked = {name: ",".join(v) for name, v in _asked(query).items() if v}
    detail: dict[str, str | int | None] = {
        "collection": chosen.key,
        "endpoint": endpoint,
        "objects": len(page.entries),
        **{f"filter.{k}": v for k, v in sorted(asked.items())},
    }
    with ctx.engine.begin() as conn:
        record(conn, ctx.who, "export", "taxii", detail)


def _asked(query: Query) -> dict[str, tuple[str, ...]]:
    return {
        "added_after": (query.added_after,) if query.added_after else (),
        "id": query.ids,
        "type": query.types,
        "version": query.versions,
    }
