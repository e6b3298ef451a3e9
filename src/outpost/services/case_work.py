"""What goes on inside a case: links to stories, events, alerts and assessments, comments,
tasks. Each is an entry of the case's timeline and of the audit log.

A link never widens what it links: a viewer of the case sees each linked assessment through
the assessment's own marking, and may link only an assessment it sees. A comment is a marked
item of its own, by default marked as its case and never looser than it.
"""

from __future__ import annotations

from datetime import date

from outpost.markings import TLP
from outpost.records import Comment, Task
from outpost.respond import cases as rules
from outpost.respond.checks import InvalidError, text
from outpost.respond.people import Action, require
from outpost.services import marking as rule
from outpost.services.assessments import ASSESSMENT
from outpost.services.audit import record
from outpost.services.cases import Detail, about, changed, managed, seen
from outpost.services.context import Context
from outpost.store import case_parts as parts
from outpost.store import cases as store
from outpost.store.times import now
from outpost.store.visibility import name_people, named_people_ids


def link_case(ctx: Context, item: int, kind: str, ident: str) -> bool:
    """Link the case to a story, event, alert or assessment; False when it was already."""
    chosen = rules.link_kind(kind)
    key = rules.link_id(chosen, ident)
    with ctx.engine.begin() as conn:
        managed(conn, ctx.who, item)
        if chosen == "assessment":
            rule.require_seen(conn, ctx.who, ASSESSMENT, int(key))
        elif not store.machine_exists(conn, ctx.who, chosen, key):
            raise InvalidError(f"id: no {chosen} {key}")
        if not store.link(conn, item, chosen, key, now()):
            return False
        changed(conn, ctx.who, item, "linked", {"kind": chosen, "id": key}, about(chosen, key))
        return True


def unlink_case(ctx: Context, item: int, kind: str, ident: str) -> bool:
    """Remove a link; False when there was none. An assessment the principal may not see is
    not found (never 'not linked', which would tell that it is)."""
    chosen = rules.link_kind(kind)
    key = rules.link_id(chosen, ident)
    with ctx.engine.begin() as conn:
        managed(conn, ctx.who, item)
        if chosen == "assessment":
            rule.require_seen(conn, ctx.who, ASSESSMENT, int(key))
        elif chosen == "alert" and not store.machine_exists(conn, ctx.who, chosen, key):
            return False  # a hidden alert: as one not linked (never "it is linked")
        if not store.unlink(conn, item, chosen, key):
            return False
        changed(conn, ctx.who, item, "unlinked", {"kind": chosen, "id": key}, about(chosen, key))
        return True


def comment_case(ctx: Context, item: int, body: str, marking: str | None = None) -> Comment:
    """A comment on the case by the principal, marked as the case unless a stricter marking
    is given (a looser one is refused). Made RED, it names its writer and the people named on
    the case."""
    require(ctx.who, Action.COMMENT)
    written = text(body, "body")
    with ctx.engine.begin() as conn:
        case = seen(conn, ctx.who, item)
        floor = rule.marking(case.sharing.marking)
        chosen = rule.marking(marking) if marking is not None else floor
        if chosen < floor:
            raise InvalidError(
                f"marking: a comment is never looser than its case ({floor.value}); "
                f"got {chosen.value}"
            )
        owner = rule.owner_of(conn, ctx.who)
        made = parts.insert_comment(conn, item, written, chosen, owner, now())
        if chosen is TLP.RED:
            people = {owner[1], *named_people_ids(conn, "case", item)}
            name_people(conn, "comment", made, people)
        detail: Detail = {"comment": made, "marking": chosen.value}
        changed(conn, ctx.who, item, "commented", detail, ("comment", made), audit=False)
        record(conn, ctx.who, "comment.create", f"comment:{made}", {"case": item, **detail})
        return next(c for c in parts.comments_of(conn, ctx.who, item) if c.id == made)


def add_case_task(ctx: Context, item: int, title: str, due: date | None = None) -> Task:
    name, when = rules.task(title, due)
    with ctx.engine.begin() as conn:
        managed(conn, ctx.who, item)
        made = parts.insert_task(conn, item, name, when, now())
        detail: Detail = {"task": made, "title": name, "due": when.isoformat() if when else None}
        changed(conn, ctx.who, item, "task", detail)
        found = parts.task_seen(conn, ctx.who, made)
        assert found is not None  # just made, in a case the principal sees
        return found


def set_task_done(ctx: Context, task: int, done: bool = True) -> Task:
    """Mark a task done (or not): a case's task by those who manage cases, an assessment's
    review by those who write assessments; either only by who sees what it belongs to."""
    with ctx.engine.begin() as conn:
        found = parts.task_seen(conn, ctx.who, task)
        if found is None:
            raise rule.not_found("task")
        require(ctx.who, Action.MANAGE_CASES if found.case_id else Action.WRITE_ASSESSMENT)
        if (found.done is not None) == done:
            return found
        parts.set_task_done(conn, task, done, ctx.who.id, now())
        detail: Detail = {"task": task, "done": done}
        if found.case_id is not None:
            changed(conn, ctx.who, found.case_id, "task", detail)
        else:
            record(conn, ctx.who, "task.done", f"task:{task}", detail)
        after = parts.task_seen(conn, ctx.who, task)
        assert after is not None
        return after
