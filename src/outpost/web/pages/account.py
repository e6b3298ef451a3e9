"""One's own account: the password (changed knowing the current one), a TOTP second factor
(its secret shown once, turned on only when a code from the app confirms it), and one's own
API tokens (a new one's secret shown once). Every signed-in person may use it; a session
signed in with a token that acts for no user has no password or second factor to change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from outpost.respond.people import MAX_NAME, MAX_PASSWORD, NotAllowedError, PeopleError
from outpost.services import people as service
from outpost.services import tokens
from outpost.web.forms import Refusal, refusal_of
from outpost.web.page import Page, SignedIn
from outpost.web.pages.people import NO_STORE

router = APIRouter()

ACCOUNT_PATH = "/account"
Password = Annotated[str, Form(max_length=MAX_PASSWORD)]
Field = Annotated[str, Form(max_length=MAX_NAME)]


@router.get(ACCOUNT_PATH)
def read_account(page: SignedIn) -> Response:
    return _account_page(page)


@router.post(ACCOUNT_PATH + "/password")
def change_password(
    page: SignedIn, current: Password = "", new: Password = "", again: Password = ""
) -> Response:
    username = _own_username(page)
    try:
        if new != again:
            raise PeopleError("the new password and its repetition differ")
        service.set_password(page.ctx, username, new, current)
    except PeopleError as exc:
        return _account_page(page, refusal_of("password", exc))
    return page.redirect(f"{ACCOUNT_PATH}?changed=password#password")


@router.post(ACCOUNT_PATH + "/totp")
def start_totp(page: SignedIn) -> Response:
    """A new secret to add to an authenticator app; nothing is stored until it is confirmed."""
    uri, secret = service.propose_totp(page.ctx)
    return _totp_page(page, uri, secret)


@router.post(ACCOUNT_PATH + "/totp/confirm")
def confirm_totp(page: SignedIn, secret: Field = "", code: Field = "") -> Response:
    try:
        service.confirm_totp(page.ctx, secret, code)
    except PeopleError as exc:
        if isinstance(exc, NotAllowedError):
            raise
        uri, secret = service.propose_totp(page.ctx, secret)  # the app has it already
        return _totp_page(page, uri, secret, refusal_of("totp", exc))
    return page.redirect(f"{ACCOUNT_PATH}?changed=totp#totp")


@router.post(ACCOUNT_PATH + "/tokens")
def create_token(page: SignedIn, name: Field = "") -> Response:
    try:
        token, secret = tokens.create_api_token(page.ctx, name)
    except (ValueError, NotAllowedError) as exc:
        return _account_page(page, refusal_of("tokens", exc))
    return _account_page(page, made=(token.name, secret))


@router.post(ACCOUNT_PATH + "/tokens/{token_id}/revoke")
def revoke_token(page: SignedIn, token_id: int) -> Response:
    # Another's token, or none: the same answer, as if the id did not exist.
    found = tokens.revoke_own_token(page.ctx, token_id)
    return page.redirect(f"{ACCOUNT_PATH}?changed={'revoked' if found else 'none'}#tokens")


def _own_username(page: Page) -> str:
    if page.ctx.who.user is None:
        raise NotAllowedError(f"{page.ctx.who.id} has no user account, so no password")
    return page.ctx.who.id.removeprefix("user:")


def _account_page(
    page: Page, refused: Refusal | None = None, made: tuple[str, str] | None = None
) -> Response:
    response = page.render(
        "account.html",
        status=refused.status if refused else 200,
        current="account",
        user=service.own_user(page.ctx),
        tokens=tokens.list_own_tokens(page.ctx),
        refused=refused,
        made=made,
        changed=page.request.query_params.get("changed", ""),
    )
    if made is not None:
        response.headers.update(NO_STORE)
    return response


def _totp_page(page: Page, uri: str, secret: str, refused: Refusal | None = None) -> Response:
    response = page.render(
        "account_totp.html",
        status=refused.status if refused else 200,
        current="account",
        uri=uri,
        secret=secret,
        refused=refused,
    )
    response.headers.update(NO_STORE)
    return response
