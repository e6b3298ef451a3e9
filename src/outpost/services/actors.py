"""Actors: the knowledge base's people, organisations and states, with what the store knows
of them (how often they appear, how they are written, when they act, in which stories)."""

from __future__ import annotations

from outpost.kb.actors import KnowledgeBase, load_kb
from outpost.records import ActorProfile, ActorSummary, Counted, Entity
from outpost.services.context import Context
from outpost.services.paging import BadQueryError, Page, Window, paged
from outpost.store.lists import actors as store
from outpost.store.lists.common import ListError
from outpost.store.lists.keyset import Key, Listed, Slice

SORTS = ("name", "-name")
MAX_QUERY = 200  # characters of a name looked for


def find_actors(ctx: Context, q: str | None, window: Window) -> Page[ActorSummary]:
    """Actors whose id or any name (in any language) contains q, case aside; by name, or
    "-name"; each with its events and articles in the store."""
    if q is not None and len(q) > MAX_QUERY:
        raise BadQueryError(f"q: at most {MAX_QUERY} characters")
    kb = load_kb()
    found = sorted(_matching(kb, q), key=_key)
    with ctx.engine.connect() as conn:

        def run(s: Slice) -> Listed[ActorSummary]:
            shown, after = _page(found, s)
            counts = store.appearances(conn, [e.id for e in shown])
            return Listed(tuple(_summary(e, *counts[e.id]) for e in shown), len(found), after)

        return paged(window, SORTS, run)


def _matching(kb: KnowledgeBase, q: str | None) -> list[Entity]:
    if not q or not q.strip():
        return list(kb.entities.values())
    wanted = q.strip().casefold()
    return [
        e
        for e in kb.entities.values()
        if wanted in e.id.casefold()
        or any(wanted in name.casefold() for names in e.names.values() for name in names)
    ]


def _key(e: Entity) -> tuple[str, str]:
    return e.name.casefold(), e.id


def _page(found: list[Entity], s: Slice) -> tuple[list[Entity], Key | None]:
    """A page of the sorted actors after the cursor's (name, id)."""
    ordered = found if s.sort == "name" else found[::-1]
    if s.after is not None:
        value, ident = s.after
        if not isinstance(value, str) or not isinstance(ident, str):
            raise ListError("cursor: not a cursor this list gave")
        after = (value, ident)
        if s.sort == "name":
            ordered = [e for e in ordered if _key(e) > after]
        else:
            ordered = [e for e in ordered if _key(e) < after]
    shown = ordered[: s.limit]
    more = len(ordered) > s.limit
    return shown, (_key(shown[-1]) if more else None)


def _summary(e: Entity, events: int, articles: int) -> ActorSummary:
    return ActorSummary(e.id, e.name, e.type, e.kind, e.country, dict(e.names), events, articles)


def get_actor(ctx: Context, actor_id: str) -> ActorProfile | None:
    """An actor's page: who it is, how its most recent articles write it, its events per
    day, the stories and the actors beside it in those articles; None when the knowledge
    base has no such actor."""
    kb = load_kb()
    entity = kb.get(actor_id)
    if entity is None:
        return None
    with ctx.engine.connect() as conn:
        events, articles = store.appearances(conn, [actor_id])[actor_id]
        spellings = store.spellings(conn, actor_id)
        days = store.event_days(conn, actor_id)
        stories = store.actor_stories(conn, actor_id)
        beside = store.beside(conn, actor_id)
    named = [Counted(i, _name(kb, i), n) for i, n in beside]
    return ActorProfile(
        actor=_summary(entity, events, articles),
        wikidata=entity.wikidata,
        roles=entity.roles,
        spellings=tuple(spellings),
        days=tuple(days),
        stories=tuple(stories),
        beside=tuple(named),
    )


def _name(kb: KnowledgeBase, ident: str) -> str:
    entity = kb.get(ident)
    return entity.name if entity is not None else ident
