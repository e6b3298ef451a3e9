"""Administration of organisations and people (administrators only, as
respond.people.PERMISSIONS has it: MANAGE_ORGS, MANAGE_USERS): the lists, adding an
organisation or a user, and the changes to a user (role, disable, enable, unlock, a new
password). A generated password is in the answer to the POST that made it, once, on a page
no cache keeps; it is never shown again. The services audit every change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from outpost.respond.people import (
    MAX_NAME,
    ORG_KINDS,
    ROLES,
    Action,
    NotAllowedError,
    PeopleError,
    require,
)
from outpost.respond.people import NotFoundError as NoSuchError
from outpost.services import people as service
from outpost.web.forms import Refusal, refusal_of
from outpost.web.page import NotFoundError, Page, SignedIn

router = APIRouter()

USERS_PATH = "/people/users"
ORGS_PATH = "/people/orgs"
Field = Annotated[str, Form(max_length=MAX_NAME)]
NO_STORE = {"Cache-Control": "no-store"}  # a page with a password on it is kept nowhere


@router.get(ORGS_PATH)
def read_orgs(page: SignedIn) -> Response:
    require(page.ctx.who, Action.MANAGE_ORGS)
    return _orgs_page(page)


@router.post(ORGS_PATH)
def create_org(
    page: SignedIn, code: Field = "", name: Field = "", kind: Field = "", country: Field = ""
) -> Response:
    require(page.ctx.who, Action.MANAGE_ORGS)  # the 403 page, never the list beside a refusal
    try:
        service.add_org(page.ctx, code, name, kind or "member", country or None)
    except (PeopleError, NotAllowedError) as exc:
        return _orgs_page(page, refusal_of("add-org", exc), {"code": code, "name": name})
    return page.redirect(f"{ORGS_PATH}#org-{code.strip().lower()}")


@router.get(USERS_PATH)
def read_users(page: SignedIn) -> Response:
    require(page.ctx.who, Action.MANAGE_USERS)
    return _users_page(page)


@router.post(USERS_PATH)
def create_user(
    page: SignedIn,
    username: Field = "",
    org: Field = "",
    role: Field = "viewer",
    display_name: Field = "",
) -> Response:
    require(page.ctx.who, Action.MANAGE_USERS)  # the 403 page, never the list beside a refusal
    try:
        user, secret = service.add_user(page.ctx, username, org, role, display_name or None)
    except (PeopleError, NotAllowedError) as exc:
        typed = {"username": username, "org": org, "display_name": display_name}
        return _users_page(page, refusal_of("add-user", exc), typed)
    return _secret_page(page, user.username, secret, made=True)


@router.post(USERS_PATH + "/{username}/role")
def set_user_role(page: SignedIn, username: str, role: Field = "") -> Response:
    return _act(page, username, lambda: service.set_role(page.ctx, username, role))


@router.post(USERS_PATH + "/{username}/disable")
def disable_user(page: SignedIn, username: str) -> Response:
    return _act(page, username, lambda: service.disable_user(page.ctx, username))


@router.post(USERS_PATH + "/{username}/enable")
def enable_user(page: SignedIn, username: str) -> Response:
    return _act(page, username, lambda: service.enable_user(page.ctx, username))


@router.post(USERS_PATH + "/{username}/unlock")
def unlock_user(page: SignedIn, username: str) -> Response:
    return _act(page, username, lambda: service.unlock_user(page.ctx, username))


@router.post(USERS_PATH + "/{username}/password")
def reset_password(page: SignedIn, username: str) -> Response:
    require(page.ctx.who, Action.MANAGE_USERS)
    try:
        secret = service.set_password(page.ctx, username)
    except NoSuchError:
        raise NotFoundError from None
    except PeopleError as exc:
        return _users_page(page, refusal_of(f"user-{username}", exc))
    return _secret_page(page, username, secret, made=False)


def _act(page: Page, username: str, change: Callable[[], object]) -> Response:
    """Make the change and list the users again (at that user), or list them with the
    refusal beside the user's forms; no such user: the 404 page."""
    require(page.ctx.who, Action.MANAGE_USERS)
    try:
        change()
    except NoSuchError:
        raise NotFoundError from None
    except PeopleError as exc:
        return _users_page(page, refusal_of(f"user-{username}", exc))
    return page.redirect(f"{USERS_PATH}#user-{username}")


def _orgs_page(
    page: Page, refused: Refusal | None = None, typed: dict[str, str] | None = None
) -> Response:
    return page.render(
        "people_orgs.html",
        status=refused.status if refused else 200,
        current="people",
        orgs=service.list_orgs(page.ctx),
        members=_members(page),
        kinds=ORG_KINDS,
        refused=refused,
        typed=typed or {},
    )


def _members(page: Page) -> dict[str, int]:
    counted: dict[str, int] = {}
    for user in service.list_users(page.ctx):
        counted[user.org] = counted.get(user.org, 0) + 1
    return counted


def _users_page(
    page: Page, refused: Refusal | None = None, typed: dict[str, str] | None = None
) -> Response:
    return page.render(
        "people_users.html",
        status=refused.status if refused else 200,
        current="people",
        users=service.list_users(page.ctx),
        orgs=service.list_orgs(page.ctx),
        roles=ROLES,
        refused=refused,
        typed=typed or {},
        now=datetime.now(UTC),
    )


def _secret_page(page: Page, username: str, secret: str, made: bool) -> Response:
    response = page.render(
        "people_secret.html", current="people", username=username, secret=secret, made=made
    )
    response.headers.update(NO_STORE)
    return response
