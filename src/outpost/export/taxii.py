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

Each object has one version here, its `modified` (the `created` of a marking definition),
which is also its `date_added`: Outpost writes the objects afresh from its store on every
request and keeps no history of what a collection held.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from outpost.export.stix_ids import NAMESPACE, parse_timestamp
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
    """One object in a collection, with its version and when it was added (the same)."""

    object: Obj
    version: str

    @property
    def id(self) -> str:
        return str(self.object["id"])

    @property
    def type(self) -> str:
        return str(self.object["type"])

    @property
    def added(self) -> datetime:
        return parse_timestamp(self.version)

    def manifest(self) -> Obj:
        return {
            "id": self.id,
            "date_added": self.version,
            "version": self.version,
            "media_type": STIX_MEDIA_TYPE,
        }


def marking_of(o: Obj) -> TLP:
    """An object's TLP 2.0 marking (a marking definition, which has none, is CLEAR)."""
    refs = o.get("object_marking_refs") or []
    return max((MARKINGS_BY_ID[r] for r in refs if r in MARKINGS_BY_ID), default=TLP.CLEAR)


def entries(objects: Iterable[Obj], collection: Collection) -> list[Entry]:
    """The collection's objects, oldest addition first (ties by id): the order paging keeps."""
    kept = [
        Entry(o, str(o.get("modified") or o["created"]))
        for o in objects
        if marking_of(o) in collection.markings
    ]
    return sorted(kept, key=lambda e: (e.added, e.id))


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
            "X-TAXII-Date-Added-First": self.entries[0].version,
            "X-TAXII-Date-Added-Last": self.entries[-1].version,
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
    return any(v in words for v in versions) or e.added in stamps


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
    return base64.urlsafe_b64encode(f"{last.version}|{last.id}".encode()).decode()


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
