"""Signing in (a username and password, then a TOTP code when the account has one; or an API
token), signing out, and the language switch.

Every refusal of a password answers with one message, whatever the reason (unknown name,
wrong password, locked or disabled account): services.signin records the real one in the
audit log. The forms are inside the pages' guard, so each needs its CSRF token.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from outpost.records import Principal
from outpost.respond.people import MAX_PASSWORD, SecondFactorRequiredError, SignInRefusedError
from outpost.services.signin import authenticate, complete_with_code
from outpost.services.tokens import resolve
from outpost.web.i18n import LANG_COOKIE, LOCALES, N_
from outpost.web.page import Page, Visitor, local_path, set_cookie
from outpost.web.sessions import COOKIE, encode, new_session, waiting_for_code

router = APIRouter()

MAX_TOKEN = 256  # characters: a token is far shorter; a longer one is not looked up
MAX_USERNAME = 100  # characters: a username has at most 40; a longer one is not looked up
MAX_CODE = 20  # characters of a TOTP code as typed (six digits, maybe spaced)
YEAR = 365 * 24 * 3600
WRONG = N_("Wrong username or password.")
WRONG_CODE = N_("This code is not right, or no longer: type the code the app shows now.")
NOT_ENROLLED = N_(
    "This account needs a second factor, and has none yet: ask an administrator to enrol one."
)
TOKEN_WRONG = N_("This token is not valid: it is unknown, mistyped or revoked.")


@router.get("/signin")
def read_signin(page: Visitor, next: str | None = None) -> Response:
    if page.session.signed_in:
        return page.redirect(local_path(next))
    return _form(page, next)


def _form(
    page: Page, next: str | None, problem: str | None = None, status: int = 200, **values: str
) -> Response:
    """The sign-in page: the password form (or the code form, while a code is awaited) and
    the token form; with the problem of the form that was refused."""
    return page.render(
        "signin.html",
        status=status,
        current=None,
        next=local_path(next),
        problem=problem,
        step="code" if page.session.pending is not None else "password",
        username=values.get("username", ""),
        form=values.get("form", "password"),
    )


@router.post("/signin")
def create_session(
    page: Visitor,
    username: Annotated[str, Form(max_length=MAX_USERNAME)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
    token: Annotated[str, Form(max_length=MAX_TOKEN)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Sign in with a password (first step) or with an API token."""
    if token.strip() or not (username.strip() or password):
        return _with_token(page, token.strip(), next)
    try:
        who = authenticate(page.ctx, username, password)
    except SecondFactorRequiredError as exc:
        if not exc.enrolled:
            return _form(page, next, NOT_ENROLLED, 401, username=username.strip())
        if exc.user is None:  # pragma: no cover - services.signin always names the user
            return _form(page, next, WRONG, 401, username=username.strip())
        pending = waiting_for_code(datetime.now(UTC), exc.user)
        waiting = replace(page, session=pending, fresh=True)
        return _form(waiting, next)
    except SignInRefusedError:
        return _form(page, next, WRONG, 401, username=username.strip())
    return _signed_in(page, who, next)


@router.post("/signin/code")
def complete_session(
    page: Visitor,
    code: Annotated[str, Form(max_length=MAX_CODE)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """The second step: the code of the user whose password was right a moment ago."""
    pending = page.session.pending
    if pending is None:  # the five minutes are over, or no password was given
        return _form(page, next, WRONG, 401)
    try:
        who = complete_with_code(page.ctx, pending, code)
    except SignInRefusedError:
        return _form(page, next, WRONG_CODE, 401)
    return _signed_in(page, who, next)


def _with_token(page: Page, secret: str, next: str) -> Response:
    found = resolve(page.ctx, secret) if secret else None
    if found is None:
        return _form(page, next, TOKEN_WRONG, 401, form="token")
    # Bound to the token: revoking it signs this session out (and, for a person's token,
    # disabling the person does too); a person's token acts as the person.
    token, who = found
    return _signed_in(page, who, next, token.id)


def _signed_in(page: Page, who: Principal, next: str, token: int | None = None) -> Response:
    """A new session (a new nonce, so a new CSRF token) for `who`, and back where they were."""
    session = new_session(datetime.now(UTC), who, token, who.user)
    response = RedirectResponse(local_path(next), status_code=303)
    age = int((session.expires - datetime.now(UTC)).total_seconds())
    set_cookie(response, page.request, COOKIE, encode(page.web.key, session), age)
    return response


@router.post("/signout")
def delete_session(page: Visitor) -> Response:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.post("/language")
def choose_language(
    page: Visitor,
    lang: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    response = page.redirect(local_path(next))
    if lang in LOCALES:
        set_cookie(response, page.request, LANG_COOKIE, lang, YEAR)
    return response
