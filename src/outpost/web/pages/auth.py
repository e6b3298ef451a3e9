"""Signing in with an API token, signing out, and the language switch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from outpost.services.tokens import principal_of, verify_api_token
from outpost.web.i18n import LANG_COOKIE, LOCALES
from outpost.web.page import Visitor, local_path, set_cookie
from outpost.web.sessions import COOKIE, encode, new_session

router = APIRouter()

MAX_TOKEN = 256  # characters: a token is far shorter; a longer one is not looked up
YEAR = 365 * 24 * 3600


@router.get("/signin")
def read_signin(page: Visitor, next: str | None = None) -> Response:
    if page.session.signed_in:
        return page.redirect(local_path(next))
    return page.render("signin.html", current=None, next=local_path(next), failed=False)


@router.post("/signin")
def create_session(
    page: Visitor,
    token: Annotated[str, Form(max_length=MAX_TOKEN)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    found = verify_api_token(page.ctx, token.strip()) if token.strip() else None
    if found is None:
        return page.render(
            "signin.html", status=401, current=None, next=local_path(next), failed=True
        )
    # A new nonce (a new CSRF token), bound to the token: revoking it signs this session out.
    session = new_session(datetime.now(UTC), principal_of(found), found.id)
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
