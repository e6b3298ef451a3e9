"""Organisations and users in the store. Every function takes the caller's Connection and
never opens a transaction or commits: the service calling them owns the transaction.

Records never carry a password hash or a TOTP secret; `credentials` reads them for the one
service that checks them, in a record of this module that goes no further.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, exists, select, update

from outpost.records import Organisation, User
from outpost.store.dialect import insert
from outpost.store.schema import organisations, users
from outpost.store.times import aware, from_db, to_db

USER_COLUMNS = [
    *(c for c in users.c if c.name not in ("password_hash", "totp_secret")),
    users.c.totp_secret.is_not(None).label("totp"),
    organisations.c.code.label("org_code"),
]


@dataclass(frozen=True)
class Credentials:
    """What a sign-in is checked against: read, used and dropped by the service."""

    user: User
    password_hash: str
    totp_secret: str | None


def insert_org(
    conn: Connection, code: str, name: str, kind: str, country: str | None, now: datetime
) -> Organisation | None:
    """The new organisation, or None when its code is taken."""
    values = {"code": code, "name": name, "kind": kind, "country": country, "created": to_db(now)}
    statement = insert(conn, organisations).values(values).on_conflict_do_nothing()
    made = conn.execute(statement.returning(organisations.c.id)).scalar()
    return None if made is None else org_by_code(conn, code)


def org_by_code(conn: Connection, code: str) -> Organisation | None:
    row = conn.execute(select(organisations).where(organisations.c.code == code)).first()
    return None if row is None else _org(row)


def list_orgs(conn: Connection) -> list[Organisation]:
    query = select(organisations).order_by(organisations.c.code)
    return [_org(row) for row in conn.execute(query)]


def insert_user(
    conn: Connection,
    org_id: int,
    username: str,
    display_name: str,
    role: str,
    password_hash: str,
    now: datetime,
) -> User | None:
    """The new user, or None when the username is taken."""
    values = {
        "org_id": org_id,
        "username": username,
        "display_name": display_name,
        "role": role,
        "password_hash": password_hash,
        "failed_attempts": 0,
        "created": to_db(now),
    }
    statement = insert(conn, users).values(values).on_conflict_do_nothing()
    made = conn.execute(statement.returning(users.c.id)).scalar()
    return None if made is None else user_by_name(conn, username)


def user_by_name(conn: Connection, username: str) -> User | None:
    row = conn.execute(_users().where(users.c.username == username)).first()
    return None if row is None else _user(row)


def user_by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(_users().where(users.c.id == user_id)).first()
    return None if row is None else _user(row)


def list_users(conn: Connection, org_code: str | None = None) -> list[User]:
    query = _users().order_by(users.c.username)
    if org_code is not None:
        query = query.where(organisations.c.code == org_code)
    return [_user(row) for row in conn.execute(query)]


def credentials(conn: Connection, username: str) -> Credentials | None:
    query = _users().add_columns(users.c.password_hash, users.c.totp_secret)
    row = conn.execute(query.where(users.c.username == username)).first()
    if row is None:
        return None
    return Credentials(_user(row), row.password_hash, row.totp_secret)


def any_administrator(conn: Connection) -> bool:
    query = select(exists().where(users.c.role == "administrator"))
    return bool(conn.execute(query).scalar())


def disable_user(conn: Connection, user_id: int, now: datetime) -> bool:
    """Disable an active user; False when it was disabled already."""
    done = conn.execute(
        update(users)
        .where(users.c.id == user_id, users.c.disabled.is_(None))
        .values(disabled=to_db(now))
        .returning(users.c.id)
    ).first()
    return done is not None


def enable_user(conn: Connection, user_id: int) -> bool:
    """Enable a disabled user; False when it was enabled already."""
    done = conn.execute(
        update(users)
        .where(users.c.id == user_id, users.c.disabled.is_not(None))
        .values(disabled=None)
        .returning(users.c.id)
    ).first()
    return done is not None


def set_role(conn: Connection, user_id: int, role: str) -> bool:
    """A new role; False when the user had it already."""
    done = conn.execute(
        update(users)
        .where(users.c.id == user_id, users.c.role != role)
        .values(role=role)
        .returning(users.c.id)
    ).first()
    return done is not None


def unlock_user(conn: Connection, user_id: int) -> bool:
    """End a lock-out and forget the failures counted; False when there was nothing to end."""
    done = conn.execute(
        update(users)
        .where(
            users.c.id == user_id,
            (users.c.locked_until.is_not(None)) | (users.c.failed_attempts > 0),
        )
        .values(failed_attempts=0, locked_until=None)
        .returning(users.c.id)
    ).first()
    return done is not None


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    """A new hash; a lock-out ends with it (whoever set it knows the new password)."""
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, failed_attempts=0, locked_until=None)
    )


def set_totp_secret(conn: Connection, user_id: int, secret: str | None) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(totp_secret=secret))


def count_failure(
    conn: Connection, user_id: int, limit: int, lock_until: datetime
) -> datetime | None:
    """One more wrong password in a row; at the `limit`-th the account is locked until
    `lock_until` (returned) and the count starts again. Counted in the UPDATE itself, so
    attempts made at once each count."""
    attempts = conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(failed_attempts=users.c.failed_attempts + 1)
        .returning(users.c.failed_attempts)
    ).scalar_one()
    if attempts < limit:
        return None
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(failed_attempts=0, locked_until=to_db(lock_until))
    )
    return lock_until


def record_sign_in(conn: Connection, user_id: int, now: datetime) -> None:
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(failed_attempts=0, locked_until=None, last_sign_in=to_db(now))
    )


def _users() -> Select[Any]:
    return select(*USER_COLUMNS).join_from(
        users, organisations, users.c.org_id == organisations.c.id
    )


def _org(row: Row[Any]) -> Organisation:
    return Organisation(
        id=row.id,
        code=row.code,
        name=row.name,
        kind=row.kind,
        country=row.country,
        created=aware(row.created),
    )


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        org=row.org_code,
        role=row.role,
        created=aware(row.created),
        disabled=from_db(row.disabled),
        failed_attempts=row.failed_attempts,
        locked_until=from_db(row.locked_until),
        totp=bool(row.totp),
        last_sign_in=from_db(row.last_sign_in),
    )
