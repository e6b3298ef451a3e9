"""API tokens: made for a principal, shown once, kept as a hash; a token resolves to the
principal it acts for."""

from __future__ import annotations

from outpost.records import ApiToken, Principal
from outpost.respond import people as rules
from outpost.respond.people import Action, NotFoundError, principal_for, require, require_of_people
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.store import people
from outpost.store import tokens as store
from outpost.store.times import now


def create_api_token(ctx: Context, name: str, owner: str | None = None) -> tuple[ApiToken, str]:
    """A new token acting for `owner` (default: whoever creates it; a signed-in user's own
    token acts for that user, with its role and organisation); the secret is returned once
    and never stored. A person may make its own tokens only (NotAllowedError otherwise)."""
    require_of_people(ctx.who, Action.OWN_TOKENS)
    mine = owner is None or owner == ctx.who.id
    if not mine and ctx.who.user is not None:
        raise rules.refusal(ctx.who, f"make a token for {owner!r}")
    user_id = ctx.who.user if mine else None
    with ctx.engine.begin() as conn:
        made = store.create_token(conn, name, owner or ctx.who.id, now(), user_id)
        record(conn, ctx.who, "token.add", made[0].owner, {"token": made[0].id})
        return made


def create_user_token(ctx: Context, name: str, username: str) -> tuple[ApiToken, str]:
    """A new token acting for the user `username` (administrators only: the CLI's operator
    hands it over); the secret is returned once. NotFoundError for no such user, PeopleError
    for a disabled one (its token would never act)."""
    require(ctx.who, Action.MANAGE_USERS)
    username = rules.username(username)
    with ctx.engine.begin() as conn:
        user = people.user_by_name(conn, username)
        if user is None:
            raise NotFoundError(f"no user {username!r} (see `outpost user list`)")
        if not user.active:
            raise rules.PeopleError(f"user {username!r} is disabled: its token would not act")
        made = store.create_token(conn, name, f"user:{username}", now(), user.id)
        record(conn, ctx.who, "token.add", f"user:{username}", {"token": made[0].id})
        return made


def list_api_tokens(ctx: Context, include_revoked: bool = False) -> list[ApiToken]:
    with ctx.engine.connect() as conn:
        return store.list_tokens(conn, include_revoked)


def revoke_api_token(ctx: Context, key: int | str) -> bool:
    """By id, 8-character prefix or whole token; False when none matches (AmbiguousTokenError
    when a prefix matches several)."""
    with ctx.engine.begin() as conn:
        revoked = store.revoke_token(conn, key, now())
        if revoked:  # the key as given: an id or a prefix, never a whole secret
            shown = str(key) if isinstance(key, int) or len(str(key)) <= 8 else str(key)[:8]
            record(conn, ctx.who, "token.revoke", f"token:{shown}")
        return revoked


def authenticate(ctx: Context, secret: str) -> Principal | None:
    """The principal a token acts for, or None for an unknown, malformed or revoked one, or
    one whose user is disabled."""
    found = resolve(ctx, secret)
    return found[1] if found is not None else None


def resolve(ctx: Context, secret: str) -> tuple[ApiToken, Principal] | None:
    """The valid token of this secret and the principal it acts for (its user's, as the store
    has the user now), or None as for `authenticate`."""
    token = verify_api_token(ctx, secret)
    if token is None:
        return None
    if token.user_id is None:
        return token, principal_of(token)
    with ctx.engine.connect() as conn:
        user = people.user_by_id(conn, token.user_id)
    return None if user is None or not user.active else (token, principal_for(user))


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
    with ctx.engine.begin() as conn:
        revoked = store.revoke_token(conn, token_id, now())
        if revoked:
            record(conn, ctx.who, "token.revoke", ctx.who.id, {"token": token_id})
        return revoked
