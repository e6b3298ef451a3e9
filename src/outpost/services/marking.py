"""Markings and names on marked items, for every kind: tightened by anyone who sees the
item, loosened only by a coordinator of its owner organisation, names added and removed by
its owner organisation's writers; each change audited in the caller's transaction.

Who may name organisations and people: a user of the owner organisation whose role may write
items of that kind. Naming widens who sees an AMBER or RED item, so it is the owner's choice,
as loosening is (a named organisation's users see the item, but do not pass it on).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Table

from outpost.markings import TLP, MarkingError, parse_tlp
from outpost.records import AuditValue, Principal, Sharing
from outpost.respond.checks import InvalidError
from outpost.respond.people import Action, NotFoundError, refusal, require
from outpost.respond.visibility import check_change
from outpost.services.audit import record
from outpost.store import marked
from outpost.store import visibility as names


@dataclass(frozen=True)
class Marked:
    """A kind of marked item: its table, its audit name, and the action that writes it."""

    kind: str  # assessment, case, comment
    table: Table
    writes: Action


def marking(value: str, field: str = "marking") -> TLP:
    """A TLP 2.0 marking from its text, or InvalidError naming the field."""
    try:
        return parse_tlp(value)
    except MarkingError as exc:
        raise InvalidError(f"{field}: {exc}") from None


def not_found(kind: str) -> NotFoundError:
    """The one answer for an item that does not exist and for one the principal may not see:
    it names neither the item's id nor anything of it, so two such answers are the same."""
    return NotFoundError(f"no {kind} with this id")


def require_seen(conn: Connection, who: Principal, of: Marked, item: int) -> None:
    if not marked.seen(conn, who, of.table, of.kind, item):
        raise not_found(of.kind)


def change(
    conn: Connection,
    who: Principal,
    of: Marked,
    item: int,
    now: Sharing,
    new: TLP,
    target: str | None = None,
) -> bool:
    """Set the item's marking to `new` (seen by `who`, its sharing `now`); False when it is
    that already. Made RED, the item names its maker and the one who made it so (who would
    otherwise lose sight of what they just acted on). `target` names the item in the audit
    log (default: kind:row id; a plan goes by the id people gave it)."""
    old = parse_tlp(now.marking)
    if new is old:
        return False
    check_change(who, now.owner_org, old, new)
    marked.set_marking(conn, of.table, item, new.value)
    if new is TLP.RED:
        maker = marked.maker_id(conn, of.table, item)
        names.name_people(conn, of.kind, item, {u for u in (maker, who.user) if u is not None})
    detail: dict[str, AuditValue] = {"from": old.value, "to": new.value}
    record(conn, who, f"{of.kind}.marking", target or f"{of.kind}:{item}", detail)
    return True


def require_owner(who: Principal, of: Marked, sharing: Sharing, what: str) -> None:
    require(who, of.writes)
    if who.org != sharing.owner_org:
        raise refusal(who, f"{what}: only the owner organisation ({sharing.owner_org}) may")


def share(
    conn: Connection,
    who: Principal,
    of: Marked,
    item: int,
    orgs: Iterable[str] = (),
    people: Iterable[str] = (),
    target: str | None = None,
) -> None:
    """Name organisations (by code) and people (by username) on the item, audited."""
    org_ids, user_ids = org_ids_of(conn, orgs), user_ids_of(conn, people)
    names.name_orgs(conn, of.kind, item, org_ids.values())
    names.name_people(conn, of.kind, item, user_ids.values())
    detail: dict[str, AuditValue] = {"orgs": ",".join(org_ids), "people": ",".join(user_ids)}
    record(conn, who, f"{of.kind}.share", target or f"{of.kind}:{item}", detail)


def unshare(
    conn: Connection,
    who: Principal,
    of: Marked,
    item: int,
    orgs: Iterable[str] = (),
    people: Iterable[str] = (),
    target: str | None = None,
) -> None:
    """Remove names from the item, audited (a name that is not on it is no error)."""
    org_ids, user_ids = org_ids_of(conn, orgs), user_ids_of(conn, people)
    for org in org_ids.values():
        names.unname_org(conn, of.kind, item, org)
    for user in user_ids.values():
        names.unname_person(conn, of.kind, item, user)
    detail: dict[str, AuditValue] = {"orgs": ",".join(org_ids), "people": ",".join(user_ids)}
    record(conn, who, f"{of.kind}.unshare", target or f"{of.kind}:{item}", detail)


def org_ids_of(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for code in dict.fromkeys(c.strip().lower() for c in codes):
        ident = marked.org_id(conn, code)
        if ident is None:
            raise InvalidError(f"orgs: no organisation {code!r}")
        found[code] = ident
    return found


def user_ids_of(conn: Connection, usernames: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in dict.fromkeys(n.strip().lower() for n in usernames):
        ident = marked.user_id(conn, name)
        if ident is None:
            raise InvalidError(f"people: no user {name!r}")
        found[name] = ident
    return found


def owner_of(conn: Connection, who: Principal) -> tuple[int, int]:
    """(organisation id, user id) of a person who writes an item; refused for a principal
    that is no person of an organisation (the CLI operator, a token of no user)."""
    org = marked.org_id(conn, who.org) if who.org is not None else None
    if org is None or who.user is None:
        raise refusal(who, "write marked items: only a person of an organisation may")
    return org, who.user
