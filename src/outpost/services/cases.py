"""Cases: opened from an alert, a story or by hand by analysts of an organisation, read
through the visibility rule, with what their viewer may see of their links, comments,
timeline and tasks. Every change is an entry of the case's timeline and of the audit log,
written in the change's own transaction.

What goes on inside a case (links, comments, tasks) is in outpost.services.case_work.

Reading asks for no role: what one sees is the markings' business, not the roles' (a
principal of no organisation, a token of no person, sees what is CLEAR).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from outpost.markings import TLP
from outpost.records import AuditValue, Case, CaseView, Principal, User
from outpost.respond import cases as rules
from outpost.respond.checks import InvalidError, title
from outpost.respond.people import Action, principal_for, require
from outpost.respond.visibility import DEFAULT, access_key, combined
from outpost.services import marking as rule
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.kept import forget, kept
from outpost.services.paging import BadQueryError, Page, Window, paged
from outpost.store import case_parts as parts
from outpost.store import cases as store
from outpost.store import marked
from outpost.store import people as people_store
from outpost.store.schema import cases as table
from outpost.store.schema import comments
from outpost.store.times import now
from outpost.store.visibility import name_people, named_people_ids

CASE = rule.Marked("case", table, Action.MANAGE_CASES)
SORTS = tuple(store.SORTS)
Detail = dict[str, AuditValue]


def open_case(
    ctx: Context,
    title_text: str,
    origin_kind: str = "manual",
    origin_id: str | None = None,
    marking: str | None = None,
    orgs: Sequence[str] = (),
    people: Sequence[str] = (),
) -> Case:
    """A new case of the opener's organisation, opened from an alert or a story (which it
    then links) or by hand."""
    require(ctx.who, Action.MANAGE_CASES)
    name = title(title_text)
    origin = rules.origin(origin_kind, origin_id)
    chosen = rule.marking(marking) if marking is not None else DEFAULT
    with ctx.engine.begin() as conn:
        owner = rule.owner_of(conn, ctx.who)
        kind, ident = origin
        if ident is not None and not store.machine_exists(conn, ctx.who, kind, ident):
            raise InvalidError(f"origin_id: no {kind} {ident}")
        item = store.insert(conn, name, origin, chosen, owner, now())
        if chosen is TLP.RED:
            name_people(conn, CASE.kind, item, [owner[1]])
        if orgs or people:
            rule.share(conn, ctx.who, CASE, item, orgs, people)
        detail: Detail = {"title": name, "marking": chosen.value, "origin": origin[0]}
        changed(conn, ctx.who, item, "opened", detail)
        if origin[1] is not None:
            store.link(conn, item, origin[0], origin[1], now())
            linked: Detail = {"kind": origin[0], "id": origin[1]}
            changed(conn, ctx.who, item, "linked", linked, about(origin[0], origin[1]))
        return seen(conn, ctx.who, item)


def get_case(ctx: Context, item: int) -> CaseView:
    """The case with what the principal may see of it, marked with the strictest marking of
    all that is shown; NotFoundError alike for no case and for one it may not see."""
    with ctx.engine.connect() as conn:
        return view(conn, ctx.who, seen(conn, ctx.who, item))


def view(conn: Connection, who: Principal, case: Case) -> CaseView:
    links = tuple(store.links(conn, who, case.id))
    notes = tuple(parts.comments_of(conn, who, case.id))
    reviews = [int(link.id) for link in links if link.kind == "assessment"]
    tasks = tuple(parts.tasks_of(conn, case.id, reviews))
    shown = [case.sharing.marking, *(x.marking for x in links)]
    shown += [c.sharing.marking for c in notes]
    marking = combined(rule.marking(m) for m in shown)
    timeline = tuple(parts.timeline(conn, who, case.id))
    return CaseView(case, links, notes, timeline, tasks, marking.value)


def page_cases(ctx: Context, window: Window, status: str | None = None) -> Page[Case]:
    """A page of the cases the principal may see, most recently changed first."""
    if status is not None and status not in rules.STATUSES:
        raise BadQueryError(f"status: one of {', '.join(rules.STATUSES)}")
    with ctx.engine.connect() as conn:
        return paged(window, SORTS, lambda s: store.page(conn, ctx.who, status, s))


def case_counts(ctx: Context) -> dict[str, int]:
    """How many cases the principal may see, by status (every status named): kept a few
    seconds per access key, forgotten when this process changes a case."""

    def compute() -> tuple[tuple[str, int], ...]:
        with ctx.engine.connect() as conn:
            found = store.counts(conn, ctx.who)
        return tuple((status, found.get(status, 0)) for status in rules.STATUSES)

    return dict(kept(ctx.engine, ("cases", "counts"), compute, access_key(ctx.who)))


def rename_case(ctx: Context, item: int, title_text: str) -> Case:
    name = title(title_text)
    with ctx.engine.begin() as conn:
        found = managed(conn, ctx.who, item)
        if name != found.title:
            store.set_values(conn, item, now(), title=name)
            changed(conn, ctx.who, item, "renamed", {"from": found.title, "to": name})
        return seen(conn, ctx.who, item)


def set_case_status(ctx: Context, item: int, status: str) -> Case:
    chosen = rules.status(status)
    with ctx.engine.begin() as conn:
        found = managed(conn, ctx.who, item)
        if chosen != found.status:
            store.set_values(conn, item, now(), status=chosen)
            changed(conn, ctx.who, item, "status", {"from": found.status, "to": chosen})
        return seen(conn, ctx.who, item)


def assign_case(ctx: Context, item: int, username: str | None) -> Case:
    """Assign the case to a user who may see it (None: to no one)."""
    with ctx.engine.begin() as conn:
        found = managed(conn, ctx.who, item)
        user = _assignee(conn, item, username)
        if found.assignee != (user.username if user else None):
            store.set_values(conn, item, now(), assignee=user.id if user else None)
            detail: Detail = {"from": found.assignee, "to": user.username if user else None}
            changed(conn, ctx.who, item, "assigned", detail)
        return seen(conn, ctx.who, item)


def _assignee(conn: Connection, item: int, username: str | None) -> User | None:
    """The user to assign, if it may see the case; an unknown user and one that may not see
    it are refused alike (the answer says nothing of the case to the assignee's side)."""
    if username is None:
        return None
    name = username.strip().lower()
    user = people_store.user_by_name(conn, name)
    if user is None or not user.active or store.get(conn, principal_for(user), item) is None:
        raise InvalidError(f"assignee: no active user {name!r} who may see this case")
    return user


def mark_case(ctx: Context, item: int, marking: str) -> Case | None:
    """Tighten (anyone who sees it) or loosen (a coordinator of its owner) the case's
    marking. Its comments are raised to at least the new marking (a comment is never looser
    than its case), and an assignee who may no longer see it is unassigned. The case as it
    is now, or None when the principal no longer sees it."""
    new = rule.marking(marking)
    require(ctx.who, Action.READ)
    with ctx.engine.begin() as conn:
        found = seen(conn, ctx.who, item)
        if rule.change(conn, ctx.who, CASE, item, found.sharing, new):
            raised = _raise_comments(conn, ctx.who, item, new)
            detail: Detail = {"from": found.sharing.marking, "to": new.value, "comments": raised}
            changed(conn, ctx.who, item, "marking", detail, audit=False)
            _unassign_if_blind(conn, ctx.who, item)
        return store.get(conn, ctx.who, item)


def _raise_comments(conn: Connection, who: Principal, item: int, floor: TLP) -> int:
    """Raise the case's comments looser than `floor` to it; made RED, each names its writer
    and the people named on the case."""
    ids = parts.comments_looser_than(conn, item, floor)
    people = named_people_ids(conn, CASE.kind, item) if floor is TLP.RED else []
    for comment in ids:
        marked.set_marking(conn, comments, comment, floor.value)
        if floor is TLP.RED:
            maker = marked.maker_id(conn, comments, comment)
            name_people(conn, "comment", comment, {*people, *([maker] if maker else [])})
    return len(ids)


def _unassign_if_blind(conn: Connection, who: Principal, item: int) -> None:
    assignee = conn.execute(table.select().where(table.c.id == item)).one().assignee
    if assignee is None:
        return
    user = people_store.user_by_id(conn, assignee)
    if user is None or store.get(conn, principal_for(user), item) is None:
        store.set_values(conn, item, now(), assignee=None)
        detail: Detail = {"from": user.username if user else None, "to": None}
        changed(conn, who, item, "assigned", {**detail, "why": "may no longer see the case"})


def share_case(
    ctx: Context,
    item: int,
    orgs: Sequence[str] = (),
    people: Sequence[str] = (),
    remove: bool = False,
) -> Case | None:
    """Name organisations and people on the case (or remove them), as its owner; None when
    the principal no longer sees it."""
    with ctx.engine.begin() as conn:
        found = seen(conn, ctx.who, item)
        rule.require_owner(ctx.who, CASE, found.sharing, "share a case")
        (rule.unshare if remove else rule.share)(conn, ctx.who, CASE, item, orgs, people)
        what = "unshared" if remove else "shared"
        detail: Detail = {"orgs": ",".join(orgs), "people": ",".join(people)}
        changed(conn, ctx.who, item, what, detail, audit=False)
        _unassign_if_blind(conn, ctx.who, item)
        return store.get(conn, ctx.who, item)


# --- shared by the case services ------------------------------------------------------------


def seen(conn: Connection, who: Principal, item: int) -> Case:
    found = store.get(conn, who, item)
    if found is None:
        raise rule.not_found(CASE.kind)
    return found


def managed(conn: Connection, who: Principal, item: int) -> Case:
    """The case, for a principal who may manage cases and sees it."""
    require(who, Action.MANAGE_CASES)
    return seen(conn, who, item)


def about(kind: str, key: str) -> tuple[str, int] | None:
    """The item a link's timeline entry is about, when it is one seen by its own marking (an
    assessment; an alert, as its plan): the entry is shown only to who sees the item."""
    return (kind, int(key)) if kind in ("assessment", "alert") else None


def changed(
    conn: Connection,
    who: Principal,
    item: int,
    what: str,
    detail: Detail,
    about: tuple[str, int] | None = None,
    audit: bool = True,
) -> None:
    """A change of the case: an entry of its timeline, one of the audit log (unless the
    change audited itself), and the case's counts kept for viewers forgotten."""
    at = now()
    parts.add_entry(conn, item, at, who.id, what, detail, about)
    store.set_values(conn, item, at)
    if audit:
        record(conn, who, f"case.{what}", f"case:{item}", detail, at)
    forget("cases")
