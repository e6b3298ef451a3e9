"""/rules: the watch-rule file, read, checked and replaced; errors come with their lines."""

from __future__ import annotations

from fastapi import APIRouter

from outpost.api.deps import ContextDep
from outpost.api.problems import ProblemError, documented
from outpost.api.schemas.rules import (
    RuleCheck,
    RuleFilePublic,
    RuleText,
    problem_items,
    rule_check,
    rule_file_public,
)
from outpost.services import rules as service
from outpost.warn.rules import RuleError

router = APIRouter(prefix="/rules", tags=["rules"], responses=documented("unauthorized"))


@router.get("", response_model=RuleFilePublic)
def read_rules(ctx: ContextDep) -> RuleFilePublic:
    """The configured rule file: its text, and its rules or every problem with its line."""
    return rule_file_public(service.read_rule_file(ctx))


@router.post(
    "/validate", response_model=RuleCheck, responses=documented("rule-errors", "bad-request")
)
def validate_rules(ctx: ContextDep, body: RuleText) -> RuleCheck:
    """Check a rule text as the watch would read it; every problem comes with its line
    (problem type urn:outpost:problem:rule-errors)."""
    try:
        return rule_check(service.check_rule_text(body.text))
    except RuleError as exc:
        raise _rule_errors(exc) from None


@router.put(
    "",
    response_model=RuleCheck,
    responses=documented("rule-errors", "conflict", "bad-request", "forbidden"),
)
def replace_rules(ctx: ContextDep, body: RuleText) -> RuleCheck:
    """Check the text, then make it the rule file in one step; a text with problems changes
    nothing. 409 when the settings name no rule file."""
    try:
        return rule_check(service.replace_rule_file(ctx, body.text))
    except RuleError as exc:
        raise _rule_errors(exc) from None
    except (service.NoRuleFileError, service.RuleFileWriteError) as exc:
        raise ProblemError("conflict", str(exc)) from None


def _rule_errors(exc: RuleError) -> ProblemError:
    found = service.problems(exc)
    return ProblemError(
        "rule-errors",
        f"{len(found)} problem(s) in the rule text; each is listed with its line",
        errors=problem_items(found),
    )
