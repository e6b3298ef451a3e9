"""API tokens: made for a principal, shown once, kept as a hash; a token resolves to the
principal it acts for."""

from __future__ import annotations

from outpost.records import ApiToken, Principal
from outpost.respond.people import principal_for
from outpost.services.context import Context
from outpost.store import people
from outpost.store import tokens as store
from outpost.store.times import now


def create_api_token(ctx: Context, name: str, owner: str | None = None) -> tuple[ApiToken, str]:
    """A new token acting for `owner` (default: whoever creates it; a signed-in user's own
    token acts for that user, with its role and organisation); the secret is returned once
    and never stored."""
    mine = owner is None or owner == ctx.who.id
    user_id = ctx.who.user if mine else None
    with ctx.engine.begin() as conn:
        return store.create_token(conn, name, owner or ctx.who.id, now(), user_id)


def list_api_tokens(ctx: Context, include_revoked: bool = False) -> list[ApiToken]:
    with ctx.engine.connect() as conn:
        return store.list_tokens(conn, include_revoked)


def revoke_api_token(ctx: Context, key: int | str) -> bool:
    """By id, 8-character prefix or whole token; False when none matches (AmbiguousTokenError
    when a prefix matches several)."""
    with ctx.engine.begin() as conn:
        return store.revoke_token(conn, key, now())


def authenticate(ctx: Context, secret: str) -> Principal | None:
    """The principal a token acts for, or None for an unknown, malformed or revoked one, or
    one whose user is disabled."""
    token = verify_api_token(ctx, secret)
    if token is None:
        return None
    if token.user_id is None:
        return principal_of(token)
    with ctx.engine.connect() as conn:
        user = people.user_by_id(conn, token.user_id)
    return None if user is None or not user.active else principal_for(user)


def verify_api_token(ctx: Context, secret: str) -> ApiToken | None:
    """The valid token whose secret this is, else None."""
    with ctx.engine.begin() as conn:  # begin: a verified token records when it was used
        return store.verify_token(conn, secret, now())


def principal_of(token: ApiToken) -> Principal:
    return Principal(token.owner, f"{token.owner} (token {token.name})")


def token_is_valid(ctx: Context, token_id: int) -> bool:
    """Whether the token is still there and not revoked: a page session signed in with a
    token ends when the token is revoked, not hours later."""
    with ctx.engine.connect() as conn:
        return store.is_valid(conn, token_id)


def list_own_tokens(ctx: Context) -> list[ApiToken]:
    """The acting principal's tokens that are still valid (the API shows no one else's)."""
    return [t for t in list_api_tokens(ctx) if t.owner == ctx.who.id]


def revoke_own_token(ctx: Context, token_id: int) -> bool:
    """Revoke one of the acting principal's valid tokens by id; False when it has none with
    that id (another's token answers the same: it is not there for them)."""
    if not any(t.id == token_id for t in list_own_tokens(ctx)):
        return False
    return revoke_api_token(ctx, token_id)
