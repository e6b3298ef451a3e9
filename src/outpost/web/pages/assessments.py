"""Assessments: the list (of one target when asked, a page at a time), one assessment with
its key judgements, Admiralty code, evidence and validity, the form that writes one (reached
from an event's, a story's or an indicator's context, its target filled), its edit, marking
and sharing. A refused form shows its reason beside the form, answered 400 (a field) or 403
(a role, a marking rule); a hidden assessment is the same 404 as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from outpost.markings import TLP
from outpost.records import Assessment, AssessmentDraft, Judgement
from outpost.respond import assessments as rules
from outpost.respond.checks import InvalidError
from outpost.respond.people import NotAllowedError
from outpost.respond.people import NotFoundError as HiddenError
from outpost.services import assessments as service
from outpost.services.marking import marking as parse_marking
from outpost.services.paging import BadQueryError, Window
from outpost.web.forms import Refusal, day, listed_names, refusal_of
from outpost.web.page import NotFoundError, Page, SignedIn

router = APIRouter()

SHOWN = 50  # assessments on a page
MAX_FIELD = 300  # characters of a title, a target, a list of ids
JUDGEMENT_ROWS = 5  # empty rows the form offers for key judgements
Field = Annotated[str, Form(max_length=MAX_FIELD)]
# Repeated fields (a judgement's text and likelihood per row): the services check each text
# and their number; the guard caps the body.
Texts = Annotated[list[str] | None, Form()]
Refusable = (InvalidError, BadQueryError, NotAllowedError)


@dataclass(frozen=True)
class AssessmentForm:
    """The fields of the create and edit forms as typed."""

    target_kind: str
    target_id: str
    title: str
    judgement: tuple[str, ...]
    likelihood: tuple[str, ...]
    confidence: str
    reliability: str
    credibility: str
    evidence_events: str
    evidence_articles: str
    valid_from: str
    valid_until: str
    review: str
    marking: str

    def draft(self) -> AssessmentDraft:
        """The draft the services check; InvalidError names a field typed wrong here."""
        pairs = zip(self.judgement, self.likelihood, strict=False)
        return AssessmentDraft(
            target_kind=self.target_kind,
            target_id=self.target_id.strip(),
            title=self.title,
            judgements=tuple(Judgement(t, lk) for t, lk in pairs if t.strip()),
            confidence=self.confidence,
            reliability=self.reliability,
            credibility=_whole(self.credibility, "credibility"),
            evidence_events=_ids(self.evidence_events, "evidence_events"),
            evidence_articles=_ids(self.evidence_articles, "evidence_articles"),
            valid_from=day(self.valid_from, "valid_from"),
            valid_until=day(self.valid_until, "valid_until"),
            review=day(self.review, "review"),
            marking=parse_marking(self.marking or TLP.AMBER_STRICT.value),
        )


def assessment_form(
    target_kind: Field = "",
    target_id: Field = "",
    title: Field = "",
    judgement: Texts = None,
    likelihood: Texts = None,
    confidence: Field = "",
    reliability: Field = "",
    credibility: Field = "",
    evidence_events: Field = "",
    evidence_articles: Field = "",
    valid_from: Field = "",
    valid_until: Field = "",
    review: Field = "",
    marking: Field = "",
) -> AssessmentForm:
    return AssessmentForm(
        target_kind,
        target_id,
        title,
        tuple(judgement or ()),
        tuple(likelihood or ()),
        confidence,
        reliability,
        credibility,
        evidence_events,
        evidence_articles,
        valid_from,
        valid_until,
        review,
        marking,
    )


Typed = Annotated[AssessmentForm, Depends(assessment_form)]


@router.get("/assessments")
def read_assessments(
    page: SignedIn, target_kind: str = "", target_id: str = "", cursor: str = ""
) -> Response:
    target = (target_kind, target_id[:MAX_FIELD]) if target_kind and target_id else None
    window = Window(cursor=cursor[:600] or None, limit=SHOWN)
    problem = None
    try:
        found = service.page_assessments(page.ctx, window, target)
    except BadQueryError as exc:
        problem, found = str(exc), None
    return page.render(
        "assessments.html",
        status=400 if problem else 200,
        current="assessments",
        found=found,
        target=target,
        cursor=cursor,
        problem=problem,
    )


@router.get("/assessments/new")
def read_new_assessment(page: SignedIn, target_kind: str = "", target_id: str = "") -> Response:
    kind = target_kind if target_kind in rules.TARGET_KINDS else "event"
    values = vars(assessment_form(target_kind=kind, target_id=target_id[:MAX_FIELD]))
    return _form_page(page, values)


@router.post("/assessments")
def create_assessment(
    page: SignedIn, typed: Typed, orgs: Field = "", people: Field = ""
) -> Response:
    try:
        made = service.create_assessment(
            page.ctx, typed.draft(), listed_names(orgs), listed_names(people)
        )
    except Refusable as exc:
        return _form_page(page, vars(typed), refusal_of("write", exc))
    return page.redirect(f"/assessments/{made.id}")


@router.get("/assessments/{item}")
def read_assessment(page: SignedIn, item: int) -> Response:
    return _assessment_page(page, item)


@router.post("/assessments/{item}")
def update_assessment(page: SignedIn, item: int, typed: Typed) -> Response:
    try:
        draft = typed.draft()
        changed = {f.name: getattr(draft, f.name) for f in fields(service.AssessmentChange)}
        change = service.AssessmentChange(**changed)
        service.update_assessment(page.ctx, item, change)
    except HiddenError:
        raise NotFoundError from None
    except Refusable as exc:
        return _assessment_page(page, item, refusal_of("edit", exc))
    return page.redirect(f"/assessments/{item}")


@router.post("/assessments/{item}/marking")
def mark_assessment(page: SignedIn, item: int, marking: Field = "") -> Response:
    try:
        after = service.mark_assessment(page.ctx, item, marking)
    except HiddenError:
        raise NotFoundError from None
    except Refusable as exc:
        return _assessment_page(page, item, refusal_of("marking", exc))
    return page.redirect(f"/assessments/{item}" if after else "/assessments")


@router.post("/assessments/{item}/share")
def share_assessment(
    page: SignedIn, item: int, orgs: Field = "", people: Field = "", action: Field = "add"
) -> Response:
    try:
        after = service.share_assessment(
            page.ctx, item, listed_names(orgs), listed_names(people), action == "remove"
        )
    except HiddenError:
        raise NotFoundError from None
    except Refusable as exc:
        return _assessment_page(page, item, refusal_of("share", exc))
    return page.redirect(f"/assessments/{item}" if after else "/assessments")


def _assessment_page(page: Page, item: int, refused: Refusal | None = None) -> Response:
    try:
        found = service.get_assessment(page.ctx, item)
        tasks = service.assessment_tasks(page.ctx, item)
    except HiddenError:
        raise NotFoundError from None
    return page.render(
        "assessment.html",
        status=refused.status if refused else 200,
        current="assessments",
        a=found,
        tasks=tasks,
        refused=refused,
        values=_values(found),
        **_scales(),
    )


def _form_page(page: Page, values: dict[str, object], refused: Refusal | None = None) -> Response:
    return page.render(
        "assessment_new.html",
        status=refused.status if refused else 200,
        current="assessments",
        values=values,
        refused=refused,
        **_scales(),
    )


def _values(found: Assessment) -> dict[str, object]:
    """The edit form's fields, filled from the assessment."""
    return {
        "target_kind": found.target_kind,
        "target_id": found.target_id,
        "title": found.title,
        "judgement": tuple(j.text for j in found.judgements),
        "likelihood": tuple(j.likelihood for j in found.judgements),
        "confidence": found.confidence,
        "reliability": found.reliability,
        "credibility": str(found.credibility),
        "evidence_events": ", ".join(map(str, found.evidence_events)),
        "evidence_articles": ", ".join(map(str, found.evidence_articles)),
        "valid_from": found.valid_from.isoformat() if found.valid_from else "",
        "valid_until": found.valid_until.isoformat() if found.valid_until else "",
        "review": found.review.isoformat() if found.review else "",
        "marking": found.sharing.marking,
    }


def _scales() -> dict[str, object]:
    return {
        "likelihoods": rules.LIKELIHOODS,
        "confidences": rules.CONFIDENCES,
        "reliabilities": rules.RELIABILITY,
        "credibilities": rules.CREDIBILITY,
        "target_kinds": rules.TARGET_KINDS,
        "markings": [m.value for m in TLP],
        "rows": JUDGEMENT_ROWS,
    }


def _whole(text: str, field: str) -> int:
    given = text.strip()
    if not given.isascii() or not given.isdigit():
        raise InvalidError(f"{field}: a whole number, not {text!r}")
    return int(given)


def _ids(text: str, field: str) -> tuple[int, ...]:
    return tuple(_whole(part, field) for part in listed_names(text))
