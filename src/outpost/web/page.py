"""What every page handler receives: the request, the service context acting as the signed-in
principal, the language, and a way to render a template with the common parts filled in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from outpost.records import Principal
from outpost.respond.people import Action, may
from outpost.services.audit import may_read_audit
from outpost.services.context import Context
from outpost.services.signin import principal_of_user
from outpost.services.tokens import token_is_valid
from outpost.web.assets import Assets
from outpost.web.i18n import LANG_COOKIE, N_, choose
from outpost.web.security import CSRF_FIELD
from outpost.web.sessions import COOKIE, Session, csrf_token, decode, encode, new_session
from outpost.web.templating import as_json

HTMX_CONFIG = {
    "includeIndicatorStyles": False,  # its inline <style> would break the policy
    "allowEval": False,
    "allowScriptTags": False,
    "historyCacheSize": 0,  # no copy of a page in localStorage
    "selfRequestsOnly": True,
}
NAVIGATION = (  # (key, address, name)
    ("overview", "/", N_("Overview")),
    ("events", "/events", N_("Events")),
    ("stories", "/stories", N_("Stories")),
    ("actors", "/actors", N_("Actors")),
    ("articles", "/articles", N_("Articles")),
    ("search", "/search", N_("Search")),
    ("alerts", "/alerts", N_("Alerts")),
    ("cases", "/cases", N_("Cases")),
    ("assessments", "/assessments", N_("Assessments")),
    ("plans", "/plans", N_("Plans")),
    ("sources", "/sources", N_("Sources")),
    ("rules", "/rules", N_("Rules")),
)
# Shown to those who may use them only (each page checks again: the menu is no guard).
ADMINISTRATION = (  # (key, address, name, who may)
    ("people", "/people/users", N_("People"), lambda who: may(who, Action.MANAGE_USERS)),
    ("audit", "/audit", N_("Audit"), may_read_audit),
    ("account", "/account", N_("Account"), lambda who: who.user is not None),
)


@dataclass(frozen=True)
class Web:
    """The pages' state, made once by mount_pages."""

    key: bytes  # signs sessions and derives CSRF tokens
    assets: Assets
    environments: dict[str, Environment]


class SignInRequiredError(Exception):
    """The page needs a signed-in session; the handler sends the browser to sign in."""


class NotFoundError(Exception):
    """No such item (or one the principal may not see: the same answer)."""


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def context_of(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, age: int) -> None:
    """Every cookie of the pages: HttpOnly, SameSite=Strict, Secure over https."""
    response.set_cookie(
        name,
        value,
        max_age=age,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/",
    )


@dataclass(frozen=True)
class Page:
    request: Request
    web: Web
    session: Session
    lang: str
    ctx: Context  # acting as the session's principal (the server's own when signed out)
    fresh: bool = False  # the session was made for this request: its cookie must be sent

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        env = self.web.environments[self.lang]
        html = env.get_template(template).render(**self.common(), **values)
        response = HTMLResponse(html, status_code=status)
        self.keep_session(response)
        return response

    def common(self) -> dict[str, Any]:
        token = csrf_token(self.web.key, self.session)
        return {
            "request": self.request,
            "principal": self.session.principal,
            "csrf_field": CSRF_FIELD,
            "csrf_token": token,
            "csrf_headers": as_json({"X-CSRF-Token": token}),
            "htmx_config": as_json(HTMX_CONFIG),
            "navigation": NAVIGATION + self.administration(),
            "here": self.request.url.path,
            "here_with_query": _local_target(self.request),
        }

    def administration(self) -> tuple[tuple[str, str, str], ...]:
        who = self.session.principal
        if who is None:
            return ()
        return tuple(
            (key, href, name) for key, href, name, allowed in ADMINISTRATION if allowed(who)
        )

    def keep_session(self, response: Response) -> None:
        if self.fresh:
            age = int((self.session.expires - datetime.now(UTC)).total_seconds())
            set_cookie(response, self.request, COOKIE, encode(self.web.key, self.session), age)

    def redirect(self, to: str) -> Response:
        response = RedirectResponse(to, status_code=303)
        self.keep_session(response)
        return response


def _local_target(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def visitor(request: Request) -> Page:
    """Anyone: the session of the cookie, or a new anonymous one (sent with the response)."""
    web = web_of(request)
    ctx = context_of(request)
    session = decode(web.key, request.cookies.get(COOKIE), datetime.now(UTC))
    if session is not None and session.signed_in:
        who = acting_principal(ctx, session)
        # None: its user was disabled or its token revoked: a visitor again, a new session.
        session = replace(session, principal=who) if who is not None else None
    fresh = session is None
    if session is None:
        session = new_session(datetime.now(UTC))
    lang = choose(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    if session.principal is not None:
        ctx = ctx.acting(session.principal)
    return Page(request, web, session, lang, ctx, fresh)


def acting_principal(ctx: Context, session: Session) -> Principal | None:
    """Who a signed-in session acts as now: its user as the store has it (role and
    organisation included), or the principal of the legacy token it was signed in with;
    None when the user is gone or disabled or the token revoked."""
    if session.token is not None and not token_is_valid(ctx, session.token):
        return None
    if session.user is not None:
        return principal_of_user(ctx, session.user)
    return session.principal if session.token is not None else None


def still_signed_in(ctx: Context, session: Session) -> bool:
    """A signed-in session lasts while its user is enabled and its token, if any, valid."""
    return acting_principal(ctx, session) is not None


def signed_in(page: Annotated[Page, Depends(visitor)]) -> Page:
    """A signed-in person; anyone else is sent to the sign-in page."""
    if page.session.principal is None:
        raise SignInRequiredError
    return page


Visitor = Annotated[Page, Depends(visitor)]
SignedIn = Annotated[Page, Depends(signed_in)]


def sign_in_first(request: Request, exc: Exception) -> Response:
    """The handler of SignInRequiredError: back to this page after signing in. An htmx
    request is told to load the sign-in page (a redirect would be swapped into the page)."""
    target = "/signin?next=" + quote(_local_target(request), safe="/")
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def local_path(value: str | None) -> str:
    """A path on this site to go back to, or "/" (never another host: //host, /\\host)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 for c in value):
        return "/"
    return value


def not_allowed(request: Request, exc: Exception) -> Response:
    """A role that does not allow what was asked: a 403 page in the visitor's language."""
    return visitor(request).render("forbidden.html", status=403, current=None)


def not_found(request: Request, exc: Exception) -> Response:
    """The handler of NotFoundError: a page in the visitor's language."""
    return visitor(request).render("error.html", status=404, current=None)
