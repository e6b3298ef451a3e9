"""Rules: the watch-rule file, read, edited in the page, checked (every problem at its line,
with the lines around it) and saved in one step; a text with a problem changes nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from outpost.services.rules import (
    NoRuleFileError,
    RuleFileWriteError,
    RuleProblem,
    check_rule_text,
    problems,
    read_rule_file,
    replace_rule_file,
)
from outpost.warn.rules import RuleError, RuleSet
from outpost.warn.yaml_checks import MAX_BYTES
from outpost.web.i18n import N_
from outpost.web.page import Page, SignedIn

router = APIRouter()

RULES_PATH = "/rules"
# A rule file of MAX_BYTES as a urlencoded form: each byte may take three characters (%D0).
RULES_BODY = 3 * MAX_BYTES + 64 * 1024
AROUND = 2  # lines shown before and after a problem's line
NOT_CONFIGURED = N_("No rule file is configured: set `rules` in the settings file to save one.")


@router.get(RULES_PATH)
def read_rule_list(page: SignedIn, saved: str | None = None) -> Response:
    found = read_rule_file(page.ctx)
    return _rules_page(
        page,
        text=found.text or "",
        rules=found.rules,
        found=found.problems,
        note=N_("The rule file is saved.") if saved else None,
    )


@router.post(RULES_PATH)
def update_rules(
    page: SignedIn,
    text: Annotated[str, Form()] = "",  # bounded by the guard (RULES_BODY) and the checks
    action: Annotated[str, Form(max_length=20)] = "check",
) -> Response:
    """Check the text ("check"), or check it and make it the rule file ("save")."""
    text = text.replace("\r\n", "\n")  # a browser sends a textarea's lines with CR LF
    try:
        if action == "save":
            replace_rule_file(page.ctx, text)
            return page.redirect(f"{RULES_PATH}?saved=1")
        rules = check_rule_text(text)
    except RuleError as exc:
        return _rules_page(page, text, None, problems(exc), status=400)
    except NoRuleFileError:
        return _rules_page(page, text, None, (), NOT_CONFIGURED, 409)
    except RuleFileWriteError as exc:
        return _rules_page(page, text, None, (RuleProblem(None, str(exc)),), status=409)
    return _rules_page(page, text, rules, (), N_("No problem found: these rules can be saved."))


def _rules_page(
    page: Page,
    text: str,
    rules: RuleSet | None,
    found: tuple[RuleProblem, ...],
    note: str | None = None,
    status: int = 200,
) -> Response:
    lines = text.split("\n")
    return page.render(
        "rules.html",
        status=status,
        current="rules",
        text=text,
        rules=rules,
        problems=[(p, _around(lines, p.line)) for p in found],
        note=note,
        configured=page.ctx.settings.rules is not None,
    )


def _around(lines: list[str], line: int | None) -> list[tuple[int, str]]:
    """(number, text) of the lines around a problem's line (none for the whole file)."""
    if line is None or not 1 <= line <= len(lines):
        return []
    first, last = max(1, line - AROUND), min(len(lines), line + AROUND)
    return [(n, lines[n - 1]) for n in range(first, last + 1)]
