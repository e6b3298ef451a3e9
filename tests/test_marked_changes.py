"""Changes to marked items on a real SQLite file and a real PostgreSQL schema: markings
tightened by anyone who sees an item and loosened only by its owner's coordinator, names given
by the owner, AMBER reaching through a case to its comments and to its own organisation's
linked assessments (never another's), every change audited, roles enforced, fields named in
every refusal, review dates as tasks, and counts kept per viewer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine

from outpost.markings import TLP
from outpost.records import Judgement
from outpost.respond.checks import InvalidError
from outpost.respond.people import NotAllowedError, NotFoundError
from outpost.services import assessments, case_work, cases, people
from outpost.services.assessments import AssessmentChange
from outpost.services.audit import list_audit, verify_audit
from outpost.services.context import Context, operator
from outpost.services.paging import Window
from tests.marked_world import PASSWORD, World, draft

USERS = {
    "m1-analyst": ("m1", "analyst"),
    "m1-coord": ("m1", "coordinator"),
    "m1-viewer": ("m1", "viewer"),
    "m1-admin": ("m1", "administrator"),
    "m2-analyst": ("m2", "analyst"),
    "m2-coord": ("m2", "coordinator"),
    "p1-analyst": ("p1", "analyst"),
    "crc-admin": ("crc", "administrator"),
}


@pytest.fixture
def world(engine: Engine, settings) -> Iterator[World]:  # type: ignore[no-untyped-def]
    ctx = Context(engine, settings, operator())
    for code, kind in (("m1", "member"), ("m2", "member"), ("crc", "centre"), ("p1", "partner")):
        people.add_org(ctx, code, f"Organisation {code}", kind=kind)
    for name, (org, role) in USERS.items():
        people.add_user(ctx, name, org, role, password=PASSWORD)
    yield World(ctx, {}, {})


def audit_actions(world: World) -> list[tuple[str, str, dict[str, object]]]:
    return [(e.action, e.target, e.detail) for e in reversed(list_audit(world.ctx, 500))]


def test_anyone_who_sees_may_tighten_only_the_owners_coordinator_may_loosen(world: World) -> None:
    item = assessments.create_assessment(world.as_("m1-analyst"), draft(TLP.GREEN)).id
    with pytest.raises(NotAllowedError, match="loosen a marking from TLP:GREEN to TLP:CLEAR"):
        assessments.mark_assessment(world.as_("m1-analyst"), item, "clear")
    with pytest.raises(NotAllowedError, match=r"owner organisation \(m1\)"):
        assessments.mark_assessment(world.as_("m2-coord"), item, "TLP:CLEAR")
    loosened = assessments.mark_assessment(world.as_("m1-coord"), item, "clear")
    assert loosened is not None and loosened.sharing.marking == "TLP:CLEAR"
    # A viewer of another member state sees it, and tightens it out of its own sight.
    assert assessments.mark_assessment(world.as_("m1-viewer"), item, "green") is not None
    assert assessments.mark_assessment(world.as_("m2-coord"), item, "amber+strict") is None
    with pytest.raises(NotFoundError):
        assessments.get_assessment(world.as_("m2-coord"), item)
    # The owner's administrator loosens too; an administrator elsewhere cannot even see it.
    with pytest.raises(NotFoundError, match="no assessment with this id"):
        assessments.mark_assessment(world.as_("crc-admin"), item, "clear")
    assert assessments.mark_assessment(world.as_("m1-admin"), item, "amber") is not None
    changes = [(a, d) for a, t, d in audit_actions(world) if a == "assessment.marking"]
    assert changes == [
        ("assessment.marking", {"from": "TLP:GREEN", "to": "TLP:CLEAR"}),
        ("assessment.marking", {"from": "TLP:CLEAR", "to": "TLP:GREEN"}),
        ("assessment.marking", {"from": "TLP:GREEN", "to": "TLP:AMBER+STRICT"}),
        ("assessment.marking", {"from": "TLP:AMBER+STRICT", "to": "TLP:AMBER"}),
    ]
    assert verify_audit(world.ctx) is None


def test_red_names_the_maker_and_whoever_made_it_red(world: World) -> None:
    item = assessments.create_assessment(world.as_("m1-analyst"), draft(TLP.AMBER_STRICT)).id
    made = assessments.mark_assessment(world.as_("m1-viewer"), item, "red")
    assert made is not None and made.sharing.people == ("m1-analyst", "m1-viewer")
    with pytest.raises(NotFoundError):
        assessments.get_assessment(world.as_("m1-coord"), item)


def test_amber_through_a_case_reaches_its_comments_and_its_owners_assessments_only(
    world: World,
) -> None:
    m1, m2, partner = world.as_("m1-analyst"), world.as_("m2-analyst"), world.as_("p1-analyst")
    own = assessments.create_assessment(m1, draft(TLP.AMBER, "m1's own")).id
    theirs = assessments.create_assessment(m2, draft(TLP.AMBER, "m2's own")).id
    unlinked = assessments.create_assessment(m1, draft(TLP.AMBER, "not linked")).id
    case = cases.open_case(m1, "Border", marking="amber", orgs=["p1", "m2"]).id
    case_work.link_case(m1, case, "assessment", str(own))
    case_work.link_case(m2, case, "assessment", str(theirs))  # m2 sees the case: it is named
    note = case_work.comment_case(m2, case, "Seen at the crossing")
    assert note.sharing.marking == "TLP:AMBER" and note.sharing.owner_org == "m2"
    view = cases.get_case(partner, case)
    assert [(x.kind, x.id) for x in view.links] == [("assessment", str(own))]
    assert [c.body for c in view.comments] == ["Seen at the crossing"]
    assert assessments.get_assessment(partner, own).title == "m1's own"
    for hidden in (theirs, unlinked):  # another's assessment is not widened by the link
        with pytest.raises(NotFoundError):
            assessments.get_assessment(partner, hidden)
    # The case's owner sees m2's comment (written in its case), not m2's assessment.
    owner_view = cases.get_case(m1, case)
    assert [c.body for c in owner_view.comments] == ["Seen at the crossing"]
    assert [x.id for x in owner_view.links] == [str(own)]
    assert len([e for e in owner_view.timeline if e.what == "linked"]) == 1  # not m2's link
    # Unnamed, the partner loses the case and what it carried.
    cases.share_case(m1, case, orgs=["p1"], remove=True)
    with pytest.raises(NotFoundError):
        assessments.get_assessment(partner, own)
    assert cases.page_cases(partner, Window()).total == 0
    shares = [(a, d) for a, t, d in audit_actions(world) if t == f"case:{case}" and "share" in a]
    assert shares == [
        ("case.share", {"orgs": "p1,m2", "people": ""}),
        ("case.unshare", {"orgs": "p1", "people": ""}),
    ]
    comments = [a for a, t, _ in audit_actions(world) if t == f"comment:{note.id}"]
    assert comments == ["comment.create"]


def test_tightening_a_case_raises_its_comments_and_unassigns_who_no_longer_sees_it(
    world: World,
) -> None:
    m1 = world.as_("m1-analyst")
    case = cases.open_case(m1, "Flows", marking="green").id
    case_work.comment_case(m1, case, "looser never")
    case_work.comment_case(m1, case, "already strict", marking="amber+strict")
    with pytest.raises(InvalidError, match="marking: a comment is never looser than its case"):
        case_work.comment_case(m1, case, "too loose", marking="clear")
    assert cases.assign_case(m1, case, "m2-analyst").assignee == "m2-analyst"
    cases.mark_case(world.as_("m1-viewer"), case, "amber")
    view = cases.get_case(m1, case)
    assert [c.sharing.marking for c in view.comments] == ["TLP:AMBER", "TLP:AMBER+STRICT"]
    assert view.case.assignee is None and view.marking == "TLP:AMBER+STRICT"
    whats = [e.what for e in view.timeline]
    assert whats == ["opened", "commented", "commented", "assigned", "marking", "assigned"]
    with pytest.raises(InvalidError, match="assignee: no active user 'p1-analyst'"):
        cases.assign_case(m1, case, "p1-analyst")
    with pytest.raises(InvalidError, match="assignee: no active user 'nobody'"):
        cases.assign_case(m1, case, "nobody")
    audited = [(a, t) for a, t, _ in audit_actions(world) if t == f"case:{case}"]
    assert audited == [
        ("case.opened", f"case:{case}"),
        ("case.assigned", f"case:{case}"),
        ("case.marking", f"case:{case}"),
        ("case.assigned", f"case:{case}"),
    ]


def test_roles_say_what_one_may_do(world: World) -> None:
    viewer, analyst = world.as_("m1-viewer"), world.as_("m1-analyst")
    with pytest.raises(NotAllowedError, match="may not write assessment"):
        assessments.create_assessment(viewer, draft(TLP.AMBER))
    with pytest.raises(NotAllowedError, match="may not manage cases"):
        cases.open_case(viewer, "No")
    case = cases.open_case(analyst, "Yes").id
    with pytest.raises(NotAllowedError, match="may not comment"):
        case_work.comment_case(viewer, case, "no")
    with pytest.raises(NotAllowedError, match="may not manage cases"):
        cases.set_case_status(viewer, case, "closed")
    assert cases.set_case_status(analyst, case, "in-progress").status == "in-progress"
    # Naming is the owner's: a named organisation's analyst may not pass the item on.
    shared = cases.open_case(analyst, "Shared", marking="amber", orgs=["m2"]).id
    with pytest.raises(NotAllowedError, match=r"share a case: only the owner organisation \(m1\)"):
        cases.share_case(world.as_("m2-analyst"), shared, orgs=["p1"])
    # The operator of the command line is no person of an organisation: it writes nothing.
    with pytest.raises(NotAllowedError, match="only a person of an organisation"):
        cases.open_case(world.ctx, "From the terminal")


def test_every_refusal_of_a_field_names_it(world: World) -> None:
    analyst = world.as_("m1-analyst")
    good = draft(TLP.AMBER)
    bad = {
        "judgements[0].likelihood": replace(good, judgements=(Judgement("x", "probably"),)),
        "judgements": replace(good, judgements=()),
        "confidence": replace(good, confidence="certain"),
        "reliability": replace(good, reliability="G"),
        "credibility": replace(good, credibility=7),
        "title": replace(good, title="  "),
        "valid_until": replace(good, valid_from=date(2025, 3, 2), valid_until=date(2025, 3, 1)),
        "target_id": replace(good, target_id="planet:mars"),
        "target_kind": replace(good, target_kind="country"),
        "evidence_articles": replace(good, evidence_articles=(99,)),
    }
    for field, wrong in bad.items():
        with pytest.raises(InvalidError) as caught:
            assessments.create_assessment(analyst, wrong)
        assert str(caught.value).startswith(f"{field}: "), str(caught.value)
    refused = {
        "origin_id: no alert 5": lambda: cases.open_case(analyst, "From nothing", "alert", "5"),
        "status: one of open, in-progress, closed": lambda: cases.set_case_status(
            analyst, cases.open_case(analyst, "x").id, "done"
        ),
        "marking: not a TLP 2.0 marking": lambda: cases.open_case(analyst, "x", marking="white"),
    }
    for start, call in refused.items():
        with pytest.raises(InvalidError) as caught:
            call()
        assert str(caught.value).startswith(start), str(caught.value)


def test_a_review_date_is_one_task_shown_in_every_linked_case(world: World) -> None:
    analyst = world.as_("m1-analyst")
    item = assessments.create_assessment(analyst, draft(TLP.AMBER)).id
    assert assessments.assessment_tasks(analyst, item) == []
    assessments.update_assessment(analyst, item, AssessmentChange(review=date(2025, 4, 1)))
    (task,) = assessments.assessment_tasks(analyst, item)
    assert task.due == date(2025, 4, 1) and task.assessment_id == item
    first, second = (cases.open_case(analyst, name).id for name in ("one", "two"))
    for case in (first, second):
        case_work.link_case(analyst, case, "assessment", str(item))
    own = case_work.add_case_task(analyst, first, "Call the border service", date(2025, 3, 20))
    assert [t.id for t in cases.get_case(analyst, first).tasks] == [own.id, task.id]
    assert [t.id for t in cases.get_case(analyst, second).tasks] == [task.id]
    case_work.set_task_done(analyst, task.id)
    assert cases.get_case(analyst, second).tasks[0].done is not None  # done once, for both
    with pytest.raises(NotFoundError, match="no task with this id"):
        case_work.set_task_done(world.as_("m2-analyst"), task.id)  # it cannot see the review


def test_counts_are_kept_per_viewer_and_forgotten_on_a_change(world: World) -> None:
    m1, m2 = world.as_("m1-analyst"), world.as_("m2-analyst")
    cases.open_case(m1, "strict")
    assert cases.case_counts(m1) == {"open": 1, "in-progress": 0, "closed": 0}
    assert cases.case_counts(m2) == {"open": 0, "in-progress": 0, "closed": 0}
    cases.open_case(m1, "green", marking="green")  # this process changed a case
    assert cases.case_counts(m2)["open"] == 1 and cases.case_counts(m1)["open"] == 2
