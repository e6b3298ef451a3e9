"""TAXII 2.1 (read-only) over the STIX objects of a viewer's export: the collections, which
object goes in which, and the filters and paging of the spec's object, manifest and version
endpoints. Pure: it takes the objects `stix.bundle` wrote and returns what to answer.

The collections, one per audience (a caller sees only those it may read):
- `public`: the objects marked TLP:CLEAR; every caller.
- `alliance`: the objects marked TLP:CLEAR or TLP:GREEN; callers of an organisation of the
  alliance (GREEN reaches no one else).
- `org-<code>`: the objects marked TLP:AMBER, AMBER+STRICT or RED that the caller may see:
  those its organisation owns or is named on, and the RED ones naming the caller; only a
  caller of organisation <code>. What is in it is decided by the visibility rule for each
  caller, so two people of one organisation may find different RED objects there.

Each object has one version here, its `modified` (the `created` of a marking definition):
Outpost writes the objects afresh from its store on every request and keeps no history of
what a collection held. Its `date_added` is when it came into Outpost (`added_times`), not
its version: an article fetched today but published last month is still found by a partner
polling with added_after, and so is every object its event brought in.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from outpost.export.stix_ids import EPOCH, NAMESPACE, parse_timestamp, timestamp
from outpost.export.tlp import MARKINGS_BY_ID
from outpost.markings import ALLIANCE, TLP

MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
Obj = dict[str, Any]


class TaxiiQueryError(ValueError):
    """A filter or paging parameter that cannot be (the message names it)."""


@dataclass(frozen=True)
class Collection:
    id: str  # a UUID, fixed by the audience's key
    key: str  # public, alliance, org-<code>
    title: str
    description: str
    markings: frozenset[TLP]

    def resource(self) -> Obj:
        """The spec's collection resource."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "alias": self.key,
            "can_read": True,
            "can_write": False,
            "media_types": [STIX_MEDIA_TYPE],
        }


def collection_id(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"taxii-collection:{key}"))


def collections(org: str | None, org_kind: str | None) -> list[Collection]:
    """The collections a caller of organisation `org` (its code and kind; None for a caller
    of none) may read."""
    found = [
        _collection(
            "public", "Public (TLP:CLEAR)", "What anyone may have: open-source items.", {TLP.CLEAR}
        )
    ]
    if org is not None and org_kind in ALLIANCE:
        found.append(
            _collection(
                "alliance",
                "Alliance (TLP:GREEN and TLP:CLEAR)",
                "What every organisation of the alliance may have.",
                {TLP.CLEAR, TLP.GREEN},
            )
        )
    if org is not None:
        found.append(
            _collection(
                f"org-{org}",
                f"Organisation {org} (TLP:AMBER, AMBER+STRICT, RED)",
                "What is shared with this organisation, or with you by name.",
                {TLP.AMBER, TLP.AMBER_STRICT, TLP.RED},
            )
        )
    return found


def _collection(key: str, title: str, description: str, markings: set[TLP]) -> Collection:
    return Collection(collection_id(key), key, title, description, frozenset(markings))


@dataclass(frozen=True)
class Entry:
    """One object in a collection, with its version and when it was added (never before
    its version)."""

    object: Obj
    version: str
    date_added: str

    @property
    def id(self) -> str:
        return str(self.object["id"])

    @property
    def type(self) -> str:
        return str(self.object["type"])

    @property
    def added(self) -> datetime:
        return parse_timestamp(self.date_added)

    def manifest(self) -> Obj:
        return {
            "id": self.id,
            "date_added": self.date_added,
            "version": self.version,
            "media_type": STIX_MEDIA_TYPE,
        }


def marking_of(o: Obj) -> TLP:
    """An object's TLP 2.0 marking (a marking definition, which has none, is CLEAR)."""
    refs = o.get("object_marking_refs") or []
    return max((MARKINGS_BY_ID[r] for r in refs if r in MARKINGS_BY_ID), default=TLP.CLEAR)


def entries(
    objects: Iterable[Obj], collection: Collection, added: Mapping[str, datetime] | None = None
) -> list[Entry]:
    """The collection's objects, oldest addition first (ties by id): the order paging keeps.
    `added` (by object id, from `added_times`) is when each came in; by default its version."""
    kept = [_entry(o, (added or {}).get(o["id"])) for o in objects]
    chosen = [e for e in kept if marking_of(e.object) in collection.markings]
    return sorted(chosen, key=lambda e: (e.added, e.id))


def _entry(o: Obj, came: datetime | None) -> Entry:
    stamp = o.get("modified") or o.get("created")
    if stamp is None:  # a cyber observable has no version: TAXII gives it its date_added
        stamp = timestamp(came or EPOCH)
    version = str(stamp)
    if came is None or came <= parse_timestamp(version):
        return Entry(o, version, version)
    return Entry(o, version, timestamp(came))


def added_times(objects: Sequence[Obj], fetched: Mapping[str, datetime]) -> dict[str, datetime]:
    """When each object came into Outpost, by id, from when each article was fetched (by
    uid): an event's report when its article was; what a report refers to (actors, places)
    when the first report holding it was; a relationship when the first report holding both
    its ends was (else when the later end was); a story when its latest event was. Objects
    of no event (notes, opinions, marking definitions) are left out: their version is when
    they were made."""
    events = {o["id"]: came for o in objects if (came := _fetched(o, fetched)) is not None}
    holders: dict[str, set[str]] = {}  # object id -> the event reports that refer to it
    for o in objects:
        if o["id"] in events:
            for ref in o.get("object_refs", ()):
                holders.setdefault(ref, set()).add(o["id"])
    added: dict[str, datetime] = dict(events)
    added |= {ref: min(events[r] for r in held) for ref, held in holders.items()}
    for o in objects:
        if o["type"] == "relationship":
            came = _both_ends(o, events, holders, added)
            if came is not None:
                added[o["id"]] = came
        elif "story" in o.get("labels", ()):
            held_events = [events[r] for r in o.get("object_refs", ()) if r in events]
            if held_events:
                added[o["id"]] = max(held_events)
    return added


def article_of(o: Obj) -> str | None:
    """The uid of the article an event's report was read in (None for any other object)."""
    if o["type"] != "report" or "event" not in o.get("labels", ()):
        return None
    refs = o.get("external_references") or [{}]
    return str(refs[0].get("external_id"))


def _fetched(o: Obj, fetched: Mapping[str, datetime]) -> datetime | None:
    """When an event's report's article was fetched (None for any other object)."""
    article = article_of(o)
    return fetched.get(article) if article is not None else None


def _both_ends(
    o: Obj,
    events: Mapping[str, datetime],
    holders: Mapping[str, set[str]],
    added: Mapping[str, datetime],
) -> datetime | None:
    source, target = o["source_ref"], o["target_ref"]
    together = holders.get(source, set()) & holders.get(target, set())
    if together:
        return min(events[r] for r in together)
    known = [added[e] for e in (source, target) if e in added]
    return max(known) if len(known) == 2 else None


@dataclass(frozen=True)
class Query:
    """The spec's filters and paging: `added_after`, `match[id]`, `match[type]`,
    `match[version]`, `match[spec_version]` (comma-separated values), `limit` and `next`."""

    added_after: str | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()  # "last" (the default), "first", "all" or timestamps
    spec_versions: tuple[str, ...] = ()  # every object here is "2.1"
    limit: int | None = None
    next: str | None = None


@dataclass(frozen=True)
class Found:
    """A page: its entries, and the `next` token when more follow."""

    entries: tuple[Entry, ...]
    next: str | None

    @property
    def more(self) -> bool:
        return self.next is not None

    def headers(self) -> dict[str, str]:
        """X-TAXII-Date-Added-First/Last of the page (none for an empty page)."""
        if not self.entries:
            return {}
        return {
            "X-TAXII-Date-Added-First": self.entries[0].date_added,
            "X-TAXII-Date-Added-Last": self.entries[-1].date_added,
        }


def select(found: Sequence[Entry], query: Query) -> Found:
    """The page of `found` (in collection order) that the query asks for."""
    after = _time("added_after", query.added_after) if query.added_after else None
    kept = [
        e
        for e in found
        if (after is None or e.added > after)
        and (not query.ids or e.id in query.ids)
        and (not query.types or e.type in query.types)
        and (not query.spec_versions or e.object.get("spec_version", "2.1") in query.spec_versions)
        and _version_matches(e, query.versions)
    ]
    if query.next is not None:
        mark = _unpack(query.next)
        kept = [e for e in kept if (e.added, e.id) > mark]
    limit = _limit(query.limit)
    page = tuple(kept[:limit])
    more = len(kept) > limit
    return Found(page, _pack(page[-1]) if more else None)


def _version_matches(e: Entry, versions: tuple[str, ...]) -> bool:
    """Every object has one version here: it is the first, the last and all of them."""
    if not versions:
        return True
    words = {"first", "last", "all"}
    stamps = [_time("match[version]", v) for v in versions if v not in words]
    return any(v in words for v in versions) or parse_timestamp(e.version) in stamps


def _limit(given: int | None) -> int:
    if given is None:
        return DEFAULT_LIMIT
    if given < 1:
        raise TaxiiQueryError("limit: a positive number")
    return min(given, MAX_LIMIT)


def _time(name: str, text: str) -> datetime:
    try:
        found = parse_timestamp(text)
    except ValueError:
        raise TaxiiQueryError(f"{name}: not a timestamp: {text!r}") from None
    if found.tzinfo is None:
        raise TaxiiQueryError(f"{name}: a timestamp in UTC ('Z'): {text!r}")
    return found


def _pack(last: Entry) -> str:
    """The `next` token: where the page ended (opaque to the client)."""
    return base64.urlsafe_b64encode(f"{last.date_added}|{last.id}".encode()).decode()


def _unpack(token: str) -> tuple[datetime, str]:
    try:
        version, ident = base64.urlsafe_b64decode(token.encode()).decode().split("|", 1)
        return _time("next", version), ident
    except (ValueError, binascii.Error, TaxiiQueryError):
        raise TaxiiQueryError("next: not a token this server gave") from None


def split(text: str | None) -> tuple[str, ...]:
    """A `match[...]` value: comma-separated, blanks dropped."""
    return tuple(v.strip() for v in (text or "").split(",") if v.strip())


def error(status: int, title: str, description: str | None = None) -> Obj:
    """The spec's error message body."""
    body: Obj = {"title": title, "http_status": str(status)}
    return body | ({"description": description} if description else {})
