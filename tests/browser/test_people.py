"""People in a real browser: an administrator adds an organisation and a user; the user
signs in with the password shown once and changes it; a viewer has no administration in
its menu and is refused its pages; the audit chain verifies on the audit page, and after a
row is changed in the database itself, the page and `outpost audit verify` both name the
first broken link."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from outpost.services import people
from outpost.store.schema import audit_log
from tests.browser.conftest import SRC, Live, axe_violations, screenshot

pytestmark = pytest.mark.slow
NEW_PASSWORD = "a passphrase of my own choosing"


def _admin_password(live: Live) -> str:
    people.ensure_org(live.ctx, "crc", "Crisis Response Centre", "centre")
    _, password = people.ensure_user(live.ctx, "people.admin", "crc", "administrator")
    return password if password is not None else people.set_password(live.ctx, "people.admin")


def _sign_in(page: Page, live: Live, username: str, password: str, path: str = "/") -> None:
    page.goto(f"{live.url}/signin?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live.url}{path}")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")


def _cli_verify(live: Live) -> subprocess.CompletedProcess[str]:
    """`outpost audit verify` in its own process, on the live server's store."""
    env = {
        **os.environ,
        "OUTPOST_DATA_DIR": str(live.ctx.settings.data_dir),
        "OUTPOST_DATABASE_URL": live.engine.url.render_as_string(hide_password=False),
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "outpost", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_administrator_adds_a_user_who_signs_in_and_changes_the_password(
    page: Page, live: Live, tmp_path: Path
) -> None:
    _sign_in(page, live, "people.admin", _admin_password(live))
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Organisations").click()
    page.get_by_label("Code (e.g. kz-knb)").fill("tj-gkns")
    page.get_by_label("Name").fill("State Committee for National Security")
    page.get_by_label("Country (ISO code, e.g. KZ; optional)").fill("TJ")
    page.get_by_role("button", name="Add the organisation").click()
    expect(page.locator("#org-tj-gkns")).to_contain_text("State Committee for National Security")
    assert axe_violations(page) == []
    page.goto(f"{live.url}/people/users")
    page.get_by_label("Username").fill("tj.officer")
    page.get_by_label("Organisation").select_option("tj-gkns")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("User tj.officer added")
    shown = page.locator("#secret").inner_text().strip()
    assert len(shown) >= 12
    screenshot(page, "people-password-once", tmp_path)
    page.get_by_role("link", name="Back to the people").click()
    expect(page.locator("#user-tj\\.officer")).to_contain_text("tj-gkns")
    expect(page.locator("main")).not_to_contain_text(shown)
    assert axe_violations(page) == []
    _sign_out(page)

    _sign_in(page, live, "tj.officer", shown, "/account")
    menu = page.get_by_role("navigation", name="Sections")
    expect(menu.get_by_role("link", name="Account")).to_be_visible()
    expect(menu.get_by_role("link", name="People")).to_have_count(0)
    expect(menu.get_by_role("link", name="Audit")).to_have_count(0)
    page.get_by_label("Current password").fill(shown)
    page.get_by_label("New password (at least 12 characters)").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator("#password-changed")).to_be_visible()
    assert axe_violations(page) == []
    for path in ("/people/users", "/people/orgs", "/audit"):
        answer = page.goto(f"{live.url}{path}")
        assert answer is not None and answer.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    page.goto(f"{live.url}/account")
    _sign_out(page)
    page.get_by_label("Username").fill("tj.officer")
    page.get_by_label("Password", exact=True).fill(shown)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("main")).to_contain_text("Wrong username or password.")
    _sign_in(page, live, "tj.officer", NEW_PASSWORD, "/account")
    expect(page.locator("#me")).to_contain_text("tj-gkns")


def test_the_audit_page_verifies_the_chain_and_names_a_tampered_row(
    page: Page, live: Live, tmp_path: Path
) -> None:
    _sign_in(page, live, "people.admin", _admin_password(live), "/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    page.get_by_label("Action (e.g. user, sign-in.failed)").fill("user")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#audit")).to_contain_text("user:people.admin")
    page.get_by_role("link", name="Verify the chain").click()
    expect(page.locator("#chain")).to_contain_text("The chain is intact")
    assert _cli_verify(live).returncode == 0
    victim, original = _tamper(live)
    try:
        page.get_by_role("link", name="Verify the chain").click()
        expect(page.locator("#chain")).to_contain_text(f"The chain is broken at entry {victim}")
        screenshot(page, "audit-broken", tmp_path)
        assert axe_violations(page) == []
        checked = _cli_verify(live)
        assert checked.returncode == 1
        assert f"chain broken at entry {victim}" in checked.stderr
    finally:
        _restore(live, victim, original)
    assert _cli_verify(live).returncode == 0


def _tamper(live: Live) -> tuple[int, str]:
    """Change, in the database itself, the detail of the entry that made the administrator
    (the role it records): its id and the detail it had."""
    with live.engine.begin() as conn:
        row = conn.execute(
            select(audit_log.c.id, audit_log.c.detail)
            .where(audit_log.c.action == "user.add", audit_log.c.target == "user:people.admin")
            .order_by(audit_log.c.id)
        ).first()
        assert row is not None
        conn.execute(
            update(audit_log)
            .where(audit_log.c.id == row.id)
            .values(detail='{"org":"crc","role":"viewer"}')
        )
        return int(row.id), str(row.detail)


def _restore(live: Live, entry: int, detail: str) -> None:
    with live.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == entry).values(detail=detail))
