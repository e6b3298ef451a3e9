"""A joint response plan in a real browser: the centre's coordinator builds a plan with a
measure for each of two member states; a user of one state sees only its own measure on its
board, acknowledges it, starts it and reports it done; the other state's board holds only
its own measure, and a state the plan is not shared with gets the 404 of a plan that does
not exist; the watch cycle's notices, run past the due dates, raise an overdue alert that
the coordinator sees on the alerts page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from outpost.services import people
from outpost.services.plan_notices import send_due_notices
from tests.browser.conftest import Live, axe_violations, screenshot, sign_in_as

pytestmark = pytest.mark.slow
PLAN = "panj-border"


def _password(live: Live, username: str, org: str, kind: str, role: str) -> str:
    """A password of `username` (made, or set anew if another run made the user)."""
    people.ensure_org(live.ctx, org, f"Agency {org}", kind)
    _, password = people.ensure_user(live.ctx, username, org, role, username)
    return password if password is not None else people.set_password(live.ctx, username)


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def _add_measure(page: Page, title: str, org: str, due: str) -> None:
    form = page.locator("form#measure")
    form.get_by_label("Title", exact=True).fill(title)
    form.get_by_label("Organisations (codes)").fill(org)
    form.get_by_label("Due", exact=True).fill(due)
    form.get_by_role("button", name="Add the measure").click()
    expect(page.locator("main")).to_contain_text(title)


def _step(page: Page, number: int, step: str, **fields: str) -> None:
    form = page.locator(f"form#step-{number}")
    form.get_by_label("Step", exact=True).select_option(step)
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="Take the step").click()


def test_a_plan_for_two_states_reported_on_and_its_overdue_measure_alerted(
    page: Page, live: Live, tmp_path: Path
) -> None:
    coord = _password(live, "crc.plan-coordinator", "crc-plans", "centre", "coordinator")
    kz = _password(live, "kz.plan-analyst", "kz-knb", "member", "analyst")
    tj = _password(live, "tj.plan-analyst", "tj-gkn", "member", "analyst")
    kg = _password(live, "kg.plan-analyst", "kg-gknb", "member", "analyst")

    sign_in_as(page, live, "crc.plan-coordinator", coord, "/plans/new")
    made = page.locator("form#empty")
    made.get_by_label("Beginning of the plan id", exact=False).fill(PLAN)
    made.get_by_label("Title", exact=True).fill("Joint measures on the Panj border")
    made.get_by_label("Due", exact=True).fill("2021-09-30")
    made.get_by_label("Marking").select_option("TLP:AMBER")
    made.get_by_role("button", name="Make the plan").click()
    page.wait_for_url(re.compile(rf"{re.escape(live.url)}/plans/{PLAN}-[a-z2-9]{{5}}$"))
    plan = page.url.removeprefix(f"{live.url}/plans/")  # what was asked, a random ending
    _add_measure(page, "Close the Panj crossing", "kz-knb", "2021-09-16")
    _add_measure(page, "Count the arrivals", "tj-gkn", "2021-09-20")
    expect(page.locator("#named-orgs")).to_contain_text("kz-knb")
    expect(page.locator("#named-orgs")).to_contain_text("tj-gkn")
    assert axe_violations(page) == []
    _sign_out(page)

    sign_in_as(page, live, "kz.plan-analyst", kz, "/plans/board")
    board = page.locator("#board")
    expect(board).to_contain_text("Close the Panj crossing")
    expect(board).not_to_contain_text("Count the arrivals")
    assert axe_violations(page) == []
    board.get_by_role("link", name="Close the Panj crossing").click()
    _step(page, 1, "acknowledge")
    expect(page.locator("#measure-1 .measure-state")).to_contain_text("Acknowledged")
    expect(page.locator("#measure-1 .measure-owner")).to_have_text("kz.plan-analyst")
    _step(page, 1, "start")
    expect(page.locator("#measure-1 .measure-state")).to_contain_text("In progress")
    report = "Report (to report it done)"
    _step(page, 1, "report", **{report: "Crossing closed on 15 September."})
    expect(page.locator("#measure-1 .measure-state")).to_contain_text("Done")
    expect(page.locator("#measure-1 .measure-report")).to_have_text(
        "Crossing closed on 15 September."
    )
    expect(page.locator("form#step-2")).to_have_count(0)  # not this state's to move
    screenshot(page, "plan", tmp_path)
    _sign_out(page)

    sign_in_as(page, live, "tj.plan-analyst", tj, "/plans/board")
    expect(page.locator("#board")).to_contain_text("Count the arrivals")
    expect(page.locator("#board")).not_to_contain_text("Close the Panj crossing")
    _sign_out(page)

    sign_in_as(page, live, "kg.plan-analyst", kg, "/plans")
    expect(page.locator("main")).not_to_contain_text("Joint measures on the Panj border")
    hidden = page.goto(f"{live.url}/plans/{plan}")
    hidden_text = page.locator("main").inner_text()
    missing = page.goto(f"{live.url}/plans/no-such-plan")
    assert hidden is not None and missing is not None
    assert hidden.status == missing.status == 404
    assert hidden_text == page.locator("main").inner_text()
    _sign_out(page)

    # The watch cycle runs the notices; past the second measure's due date it is overdue.
    sent = send_due_notices(live.ctx, datetime(2021, 9, 21, 6, tzinfo=UTC))
    assert sent.overdue >= 1
    sign_in_as(page, live, "crc.plan-coordinator", coord, "/alerts")
    overdue = re.compile(
        rf"Overdue: measure {plan}/2 «[^»]+» of plan {plan} «[^»]+» was due on 2021-09-20"
    )
    expect(page.locator("main")).to_contain_text(overdue)
    expect(page.locator("main")).not_to_contain_text(
        re.compile(rf"measure {plan}/1 «[^»]+» of plan {plan} «[^»]+» was due")
    )
    page.goto(f"{live.url}/plans/{plan}")
    expect(page.locator("#plan-state")).to_contain_text("Critical")
    _sign_out(page)

    # The alert is seen as the plan is: the third state, not named on it, never sees it.
    sign_in_as(page, live, "kg.plan-analyst", kg, "/alerts")
    expect(page.locator("main")).to_contain_text("Alerts")
    expect(page.locator("main")).not_to_contain_text(PLAN)
