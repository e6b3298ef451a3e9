"""API tokens in the store: made, listed, revoked, checked.

A token is "op_" and 32 random bytes (URL-safe base64). The store keeps its sha256 and its
first 8 characters only, so the secret exists once: in what create_token returns. Every
function takes the caller's Connection and never opens a transaction or commits: the
service calling them owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, or_, select, update

from outpost.records import ApiToken
from outpost.store.errors import StoreError
from outpost.store.schema import api_tokens
from outpost.store.times import aware, from_db, to_db

SCHEME = "op_"  # says whose token it is (to a secret scanner, or to someone who finds one)
PREFIX_LENGTH = 8
MAX_SECRET = 200  # a longer string is none of ours: refused before hashing or querying
LAST_USED_STEP = timedelta(minutes=1)  # last_used is written at most this often per token
MAX_ID = 2**31 - 1  # a larger id is in no table (PostgreSQL would refuse it as an integer)
COLUMNS = [c for c in api_tokens.c if c.name != "hash"]


class AmbiguousTokenError(StoreError, ValueError):
    """A prefix that several tokens share; the message names their ids."""


def hash_secret(secret: str) -> str:
    """The sha256 hex kept for a token. A fast hash is right here: the token is 32 random
    bytes, so no guessing can find it, as it could a password."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_token(
    conn: Connection, name: str, owner: str, now: datetime, user_id: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `owner` (and the user it acts for, if any): its record, and its
    secret, which is returned this once and kept nowhere."""
    secret = SCHEME + secrets.token_urlsafe(32)
    values = {
        "name": _label("name", name),
        "owner": _label("owner", owner),
        "prefix": secret[:PREFIX_LENGTH],
        "hash": hash_secret(secret),
        "created": to_db(now),
        "user_id": user_id,
    }
    token_id = conn.execute(insert(api_tokens).values(values).returning(api_tokens.c.id))
    row = conn.execute(select(*COLUMNS).where(api_tokens.c.id == token_id.scalar_one())).one()
    return _token(row), secret


def list_tokens(conn: Connection, include_revoked: bool = False) -> list[ApiToken]:
    """The tokens, oldest first; the revoked ones only when asked."""
    query = select(*COLUMNS).order_by(api_tokens.c.created, api_tokens.c.id)
    if not include_revoked:
        query = query.where(api_tokens.c.revoked.is_(None))
    return [_token(row) for row in conn.execute(query)]


def revoke_token(conn: Connection, key: int | str, now: datetime) -> bool:
    """Revoke the token with this id, prefix (all 8 characters, as listed) or secret; False
    when no token that is still valid has it. AmbiguousTokenError when valid tokens share
    that prefix (a 1 in 2**30 chance per pair): nothing is revoked, the message names their
    ids."""
    token_id = _find(conn, key)
    if token_id is None:
        return False
    revoked = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked.is_(None))
        .values(revoked=to_db(now))
        .returning(api_tokens.c.id)  # RETURNING, not rowcount, as elsewhere in the store
    ).first()
    return revoked is not None


def verify_token(conn: Connection, secret: str, now: datetime) -> ApiToken | None:
    """The valid token whose secret this is, else None (unknown, revoked, not a token).

    Found by its hash, so no comparison of secrets can leak time. last_used is written at
    most once a minute per token, so a busy client does not write on every request.
    """
    if not (secret.startswith(SCHEME) and secret.isascii() and len(secret) <= MAX_SECRET):
        return None
    query = select(*COLUMNS).where(api_tokens.c.hash == hash_secret(secret))
    row = conn.execute(query).first()
    if row is None or row.revoked is not None:
        return None
    return _touch(conn, _token(row), now)


def is_valid(conn: Connection, token_id: int) -> bool:
    """Whether the token with this id exists and is not revoked (a session signed in with it
    lasts no longer than it does)."""
    query = select(api_tokens.c.revoked).where(api_tokens.c.id == token_id)
    row = conn.execute(query).first()
    return row is not None and row.revoked is None


def _touch(conn: Connection, token: ApiToken, now: datetime) -> ApiToken:
    """Record the use, unless one was recorded less than a minute before `now`. The condition
    is in the UPDATE too, so two requests at once write it once."""
    if token.last_used is not None and now - token.last_used < LAST_USED_STEP:
        return token
    stale = to_db(now - LAST_USED_STEP)
    written = conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == token.id,
            or_(api_tokens.c.last_used.is_(None), api_tokens.c.last_used <= stale),
        )
        .values(last_used=to_db(now))
        .returning(api_tokens.c.last_used)
    ).scalar()
    return token if written is None else replace(token, last_used=aware(written))


def _find(conn: Connection, key: int | str) -> int | None:
    """The id `key` names (whether there is such a token, the caller's UPDATE says), or the
    id of the valid token with that prefix or secret."""
    if isinstance(key, str) and key.isascii() and key.isdigit():  # a prefix starts "op_"
        key = int(key)
    if isinstance(key, int):
        return key if 0 < key <= MAX_ID else None
    if not (key.startswith(SCHEME) and key.isascii() and len(key) <= MAX_SECRET):
        return None
    if len(key) <= PREFIX_LENGTH:
        named = api_tokens.c.prefix == key
    else:  # the whole token, as one holding a leaked token would give it
        named = api_tokens.c.hash == hash_secret(key)
    query = select(api_tokens.c.id).where(named, api_tokens.c.revoked.is_(None))
    ids = list(conn.execute(query.order_by(api_tokens.c.id)).scalars())
    if len(ids) > 1:
        raise AmbiguousTokenError(
            f"token prefix {key!r} is shared by {len(ids)} tokens "
            f"(ids {', '.join(map(str, ids))}); revoke one by its id"
        )
    return ids[0] if ids else None


def _label(field: str, value: str) -> str:
    text = value.strip()
    if not text or "\x00" in text:  # PostgreSQL text cannot hold NUL
        raise ValueError(f"token {field}: expected a non-empty text without NUL, got {value!r}")
    return text


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        owner=row.owner,
        prefix=row.prefix,
        created=aware(row.created),
        last_used=from_db(row.last_used),
        revoked=from_db(row.revoked),
        user_id=row.user_id,
    )
