"""A case in a real browser: an analyst signs in with a password, opens a case from an alert
of the inbox, comments on it; a user of another member state signs in and sees neither the
case in the list nor its page (the 404 of a case that does not exist)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from outpost.services import people
from tests.browser.conftest import Live, axe_violations, screenshot, sign_in_as

pytestmark = pytest.mark.slow


def _password(live: Live, username: str, org: str, country: str) -> str:
    """A password of an analyst of `org` (made, or set anew if another test made it)."""
    people.ensure_org(live.ctx, org, f"Agency {org}", "member", country)
    _, password = people.ensure_user(live.ctx, username, org, "analyst", username)
    return password if password is not None else people.set_password(live.ctx, username)


def test_an_analyst_opens_a_case_from_an_alert_that_another_state_does_not_see(
    page: Page, live: Live, tmp_path: Path
) -> None:
    own = _password(live, "uz.case-analyst", "uz-sgb", "UZ")
    other = _password(live, "kg.case-analyst", "kg-gknb", "KG")
    sign_in_as(page, live, "uz.case-analyst", own, "/alerts")
    page.locator("li.alert").first.get_by_role("link", name="Open a case").click()
    expect(page.locator("#origin")).to_contain_text("Alert")
    page.get_by_label("Title").fill("Border raid follow-up")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Border raid follow-up")
    expect(page.locator("#case-marking")).to_have_text("TLP:AMBER+STRICT")
    expect(page.locator("#case-origin a")).to_contain_text("Alert")
    where = page.url
    page.get_by_label("Comment", exact=True).fill("Patrols doubled along the river.")
    page.get_by_role("button", name="Add the comment").click()
    expect(page.locator("#comments")).to_contain_text("Patrols doubled along the river.")
    expect(page.locator("#timeline")).to_contain_text("Commented")
    screenshot(page, "case", tmp_path)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    sign_in_as(page, live, "kg.case-analyst", other, "/cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    expect(page.locator("main")).not_to_contain_text("Border raid follow-up")
    answer = page.goto(where)
    assert answer is not None and answer.status == 404
    expect(page.locator("main")).not_to_contain_text("Border raid follow-up")
