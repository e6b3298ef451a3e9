"""Signing in with a password in a real browser, in English and in Russian: the labels in
the page's language, the header naming the person, its organisation and role, a wrong
password answered with the one message, and signing out."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from outpost.services import people
from tests.browser.conftest import Live, screenshot

pytestmark = pytest.mark.slow


def _person(live: Live) -> str:
    """A password of the analyst of Tajikistan (made, or set anew if another test made it)."""
    people.ensure_org(live.ctx, "tj-gkn", "State Committee for National Security", "member", "TJ")
    _, password = people.ensure_user(live.ctx, "tj.analyst", "tj-gkn", "analyst", "Dilnoza R.")
    return password if password is not None else people.set_password(live.ctx, "tj.analyst")


def test_a_password_signs_in_in_english_and_in_russian(
    page: Page, live: Live, tmp_path: Path
) -> None:
    password = _person(live)
    page.goto(f"{live.url}/alerts")
    page.get_by_label("Username").fill("tj.analyst")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live.url}/alerts")
    who = page.locator("header .who")
    expect(who).to_contain_text("Signed in as Dilnoza R.")
    expect(who.locator(".org")).to_have_text("tj-gkn")
    expect(who.locator(".role")).to_have_text("Analyst")
    screenshot(page, "signed-in-en", tmp_path)
    page.get_by_role("button", name="Русский").click()
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url(f"{live.url}/signin")
    page.get_by_label("Имя пользователя").fill("tj.analyst")
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_role("button", name="Войти", exact=True).click()
    page.wait_for_url(f"{live.url}/")
    expect(who).to_contain_text("Вы вошли как Dilnoza R.")
    expect(who.locator(".role")).to_have_text("Аналитик")
    screenshot(page, "signed-in-ru", tmp_path)
