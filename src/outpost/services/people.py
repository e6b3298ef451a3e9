"""Organisations and users: added and disabled by administrators, passwords shown once, a
second factor enrolled; each change written to the audit log in its own transaction.

Passwords are hashed before a transaction opens (argon2id takes a good part of a second on
purpose), so the store is never held while it works.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pyotp
from sqlalchemy import Connection

from outpost.records import AuditValue, Organisation, Principal, User
from outpost.respond import people as rules
from outpost.respond.people import (
    Action,
    AlreadyExistsError,
    NotFoundError,
    PeopleError,
    Role,
    require,
)
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.passwords import hash_password, verify_password
from outpost.store import audit as audit_store
from outpost.store import people as store
from outpost.store.times import now

ISSUER = "Outpost"  # what an authenticator app shows above the code
CENTRE = ("crc", "Crisis Response Centre")
TOTP_SECRET = re.compile(r"[A-Z2-7]{32}")  # what pyotp.random_base32 makes


def add_org(
    ctx: Context, code: str, name: str, kind: str = "member", country: str | None = None
) -> Organisation:
    """A new organisation (administrators only); AlreadyExistsError when the code is taken."""
    require(ctx.who, Action.MANAGE_ORGS)
    code, name = rules.org_code(code), rules.display_name(name, "organisation name")
    kind, country = rules.org_kind(kind), rules.country(country)
    with ctx.engine.begin() as conn:
        org = store.insert_org(conn, code, name, kind, country, now())
        if org is None:
            raise AlreadyExistsError(f"organisation code {code!r} is taken")
        detail = {"name": name, "kind": kind, "country": country}
        record(conn, ctx.who, "org.add", f"org:{code}", detail)
        return org


def ensure_org(
    ctx: Context, code: str, name: str, kind: str = "member", country: str | None = None
) -> Organisation:
    """The organisation of this code as it is, or a new one made as `add_org` makes it (so a
    seed, like the demo's, can run again)."""
    require(ctx.who, Action.MANAGE_ORGS)
    with ctx.engine.connect() as conn:
        found = store.org_by_code(conn, rules.org_code(code))
    if found is not None:
        return found
    try:
        return add_org(ctx, code, name, kind, country)
    except AlreadyExistsError:  # made by another process since the look-up
        with ctx.engine.connect() as conn:
            made = store.org_by_code(conn, rules.org_code(code))
        if made is None:  # pragma: no cover - organisations are never deleted
            raise
        return made


def list_orgs(ctx: Context) -> list[Organisation]:
    """Every organisation of the alliance, by code: who takes part is no secret to those who
    take part."""
    require(ctx.who, Action.READ)
    with ctx.engine.connect() as conn:
        return store.list_orgs(conn)


def add_user(
    ctx: Context,
    username: str,
    org: str,
    role: str = "viewer",
    display_name: str | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """A new user of organisation `org` (administrators only), and the password: the one
    given, if the policy allows it, or a generated one, to be shown once."""
    require(ctx.who, Action.MANAGE_USERS)
    name, code, chosen = rules.username(username), rules.org_code(org), rules.parse_role(role)
    shown = rules.display_name(display_name if display_name is not None else username)
    secret = rules.check_password(password) if password is not None else rules.generate_password()
    password_hash = hash_password(secret)
    with ctx.engine.begin() as conn:
        user = _insert_user(conn, name, code, chosen, shown, password_hash)
        record(conn, ctx.who, "user.add", f"user:{name}", {"org": code, "role": chosen.value})
        return user, secret


def ensure_user(
    ctx: Context, username: str, org: str, role: str = "viewer", display_name: str | None = None
) -> tuple[User, str | None]:
    """The user of this name as it is (and None: its password is not known, nor changed), or
    a new one with a generated password, to be shown once."""
    require(ctx.who, Action.MANAGE_USERS)
    with ctx.engine.connect() as conn:
        found = store.user_by_name(conn, rules.username(username))
    if found is not None:
        return found, None
    return add_user(ctx, username, org, role, display_name)


def disable_user(ctx: Context, username: str) -> User:
    """Disable a user (administrators only): it can no longer sign in, nor its tokens act.
    Disabling a disabled user changes nothing and records nothing."""
    require(ctx.who, Action.MANAGE_USERS)
    name = rules.username(username)
    with ctx.engine.begin() as conn:
        user = _existing(conn, name)
        if user.id == ctx.who.user:
            raise PeopleError("you cannot disable your own account; ask another administrator")
        if store.disable_user(conn, user.id, now()):
            record(conn, ctx.who, "user.disable", f"user:{name}")
        return _existing(conn, name)


def enable_user(ctx: Context, username: str) -> User:
    """Enable a disabled user again (administrators only); an enabled one changes nothing and
    records nothing."""
    return _change(ctx, username, "user.enable", store.enable_user)


def unlock_user(ctx: Context, username: str) -> User:
    """End a user's lock-out and forget its failed attempts (administrators only)."""
    return _change(ctx, username, "user.unlock", store.unlock_user)


def set_role(ctx: Context, username: str, role: str) -> User:
    """Give a user another role (administrators only). An administrator cannot lower its own
    role: the last administrator would otherwise leave no one to manage people."""
    require(ctx.who, Action.MANAGE_USERS)
    chosen, name = rules.parse_role(role), rules.username(username)
    with ctx.engine.begin() as conn:
        user = _existing(conn, name)
        if user.id == ctx.who.user and chosen != Role.ADMINISTRATOR:
            raise PeopleError("you cannot lower your own role; ask another administrator")
        if store.set_role(conn, user.id, chosen.value):
            detail = {"role": chosen.value, "was": user.role}
            record(conn, ctx.who, "user.role", f"user:{name}", detail)
        return _existing(conn, name)


def _change(
    ctx: Context, username: str, action: str, change: Callable[[Connection, int], bool]
) -> User:
    """An administrator's change of one user, audited when it changed something."""
    require(ctx.who, Action.MANAGE_USERS)
    name = rules.username(username)
    with ctx.engine.begin() as conn:
        user = _existing(conn, name)
        if change(conn, user.id):
            record(conn, ctx.who, action, f"user:{name}")
        return _existing(conn, name)


def list_users(ctx: Context, org: str | None = None) -> list[User]:
    """Users by name: every organisation's for administrators (or the one asked for), only
    the principal's own organisation's for everyone else."""
    require(ctx.who, Action.READ)
    code = rules.org_code(org) if org is not None else None
    if not rules.may(ctx.who, Action.MANAGE_USERS):
        if ctx.who.org is None or code not in (None, ctx.who.org):
            return []
        code = ctx.who.org
    with ctx.engine.connect() as conn:
        return store.list_users(conn, code)


def set_password(
    ctx: Context, username: str, password: str | None = None, current: str | None = None
) -> str:
    """Set a user's password and return it (generated when not given, to be shown once).
    Administrators set anyone's; a user sets its own with its current password. A lock-out
    ends with it."""
    name = rules.username(username)
    secret = rules.check_password(password) if password is not None else rules.generate_password()
    password_hash = hash_password(secret)
    with ctx.engine.begin() as conn:
        found = store.credentials(conn, name)
        if found is None:
            require(ctx.who, Action.MANAGE_USERS)  # no user to others: "not allowed" first
            raise NotFoundError(f"no user {name!r}")
        _may_change(ctx.who, found, current)
        store.set_password_hash(conn, found.user.id, password_hash)
        detail = {"generated": password is None}
        record(conn, ctx.who, "user.password", f"user:{name}", detail)
    return secret


def enroll_totp(ctx: Context, username: str) -> tuple[str, str]:
    """Enrol (or replace) a user's TOTP second factor: the otpauth:// URI for an
    authenticator app and the secret itself, returned this once. Administrators enrol anyone;
    a user enrols itself."""
    name = rules.username(username)
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    with ctx.engine.begin() as conn:
        user = store.user_by_name(conn, name)
        if not (rules.may(ctx.who, Action.MANAGE_USERS) or (user and user.id == ctx.who.user)):
            raise rules.refusal(ctx.who, f"enrol a second factor for {name!r}")
        if user is None:
            raise NotFoundError(f"no user {name!r}")
        store.set_totp_secret(conn, user.id, secret)
        record(conn, ctx.who, "user.totp", f"user:{name}", {"replaced": user.totp})
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)
    return uri, secret


def own_user(ctx: Context) -> User | None:
    """The acting principal's own account; None for a principal that is no user's."""
    if ctx.who.user is None:
        return None
    with ctx.engine.connect() as conn:
        return store.user_by_id(conn, ctx.who.user)


def propose_totp(ctx: Context, again: str | None = None) -> tuple[str, str]:
    """A new TOTP secret for the acting user and its otpauth:// URI, stored nowhere yet: the
    user adds it to an authenticator app and confirms it with a code (`confirm_totp`), so a
    mistyped secret never locks anyone out. `again`: the secret proposed before, offered
    again after a wrong code (the app has it already)."""
    if ctx.who.user is None:
        raise rules.refusal(ctx.who, "enrol a second factor (no user account)")
    shown = (again or "").strip().upper()
    # 160 bits, as RFC 4226 recommends
    secret = shown if TOTP_SECRET.fullmatch(shown) else pyotp.random_base32()
    name = ctx.who.id.removeprefix("user:")
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER), secret


def confirm_totp(ctx: Context, secret: str, code: str, at: datetime | None = None) -> User:
    """Turn on the acting user's second factor with `secret`, once `code` shows that its
    authenticator app makes the right codes from it (PeopleError otherwise)."""
    if ctx.who.user is None:
        raise rules.refusal(ctx.who, "enrol a second factor (no user account)")
    secret = secret.strip().upper()
    if not TOTP_SECRET.fullmatch(secret):
        raise PeopleError("the secret is not one this page made: start again")
    digits = "".join(ch for ch in code if ch.isdigit())
    if not pyotp.TOTP(secret).verify(digits, for_time=at or now(), valid_window=1):
        raise PeopleError("this code is not right: type the code the app shows now")
    with ctx.engine.begin() as conn:
        user = store.user_by_id(conn, ctx.who.user)
        if user is None or not user.active:
            raise rules.refusal(ctx.who, "enrol a second factor")
        store.set_totp_secret(conn, user.id, secret)
        detail = {"replaced": user.totp, "confirmed": True}
        record(conn, ctx.who, "user.totp", f"user:{user.username}", detail)
        return _existing(conn, user.username)


def init_admin(
    ctx: Context,
    username: str,
    org_code: str = CENTRE[0],
    org_name: str = CENTRE[1],
    display_name: str | None = None,
) -> tuple[User, str]:
    """The first administrator, in its organisation (made as the centre when it does not
    exist), with a generated password to be shown once. Refused when an administrator exists:
    from then on administrators add users."""
    require(ctx.who, Action.MANAGE_USERS)
    name, code = rules.username(username), rules.org_code(org_code)
    org_name = rules.display_name(org_name, "organisation name")
    shown = rules.display_name(display_name if display_name is not None else username)
    secret = rules.generate_password()
    password_hash = hash_password(secret)
    with ctx.engine.begin() as conn:
        audit_store.lock_chain(conn)  # first: two inits at once make one administrator
        if store.any_administrator(conn):
            raise PeopleError("an administrator exists already; add users with `user add`")
        if store.org_by_code(conn, code) is None:
            _add_centre(conn, ctx.who, code, org_name)
        user = _insert_user(conn, name, code, Role.ADMINISTRATOR, shown, password_hash)
        detail: dict[str, AuditValue] = {"org": code, "role": "administrator", "init": True}
        record(conn, ctx.who, "user.add", f"user:{name}", detail)
        return user, secret


def _add_centre(conn: Connection, who: Principal, code: str, name: str) -> None:
    store.insert_org(conn, code, name, "centre", None, now())
    record(conn, who, "org.add", f"org:{code}", {"name": name, "kind": "centre", "country": None})


def _insert_user(
    conn: Connection, name: str, code: str, role: Role, shown: str, password_hash: str
) -> User:
    org = store.org_by_code(conn, code)
    if org is None:
        raise NotFoundError(f"no organisation {code!r} (see `outpost org list`)")
    user = store.insert_user(conn, org.id, name, shown, role.value, password_hash, now())
    if user is None:
        raise AlreadyExistsError(f"username {name!r} is taken")
    return user


def _existing(conn: Connection, name: str) -> User:
    user = store.user_by_name(conn, name)
    if user is None:
        raise NotFoundError(f"no user {name!r}")
    return user


def _may_change(who: Principal, found: store.Credentials, current: str | None) -> None:
    """An administrator may set any password; a user its own, knowing the current one."""
    if rules.may(who, Action.MANAGE_USERS):
        return
    if found.user.id != who.user:
        raise rules.refusal(who, f"set the password of {found.user.username!r}")
    if current is None or not verify_password(found.password_hash, current):
        raise PeopleError("the current password is wrong")
