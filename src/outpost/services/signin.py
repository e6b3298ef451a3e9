"""Signing in with a username, a password and (when enrolled, or required of administrators)
a TOTP code.

Every attempt costs one argon2 verification, whatever the outcome: a name no one has is
checked against a dummy hash, a locked or disabled account against its own. The caller sees
one answer for every refusal (SignInRefusedError), except a missing second factor after a
right password; the audit log, written in the same transaction as the counters, records
the real reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import Connection

from outpost.records import AuditValue, Principal, User
from outpost.respond import people as rules
from outpost.respond.people import (
    PeopleError,
    Role,
    SecondFactorRequiredError,
    SignInRefusedError,
    principal_for,
)
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.passwords import (
    hash_password,
    needs_rehash,
    spend_like_a_check,
    verify_password,
)
from outpost.store import people as store
from outpost.store.times import now as clock

MAX_FAILURES = 5  # wrong passwords (or codes) in a row before the account is locked
LOCK_OUT = timedelta(minutes=15)
TOTP_WINDOW = 1  # codes of the step before and after are accepted too (clocks drift)


@dataclass(frozen=True)
class _Outcome:
    reason: str | None  # why it was refused (for the audit log); None: signed in
    counts: bool = False  # a wrong secret: one more failure in a row
    needs_code: bool | None = None  # refused for want of a code: enrolled (True) or not


SIGNED_IN = _Outcome(None)


def authenticate(
    ctx: Context,
    username: str,
    password: str,
    totp_code: str | None = None,
    now: datetime | None = None,
) -> Principal:
    """The principal of the user these credentials belong to; SignInRefusedError (or its
    SecondFactorRequiredError) otherwise. `now` stands for the clock in tests."""
    at = now or clock()
    name = _name(username)
    with ctx.engine.begin() as conn:
        found = store.credentials(conn, name) if name is not None else None
        if found is None:
            spend_like_a_check(password)
            target = f"user:{name}" if name is not None else "user:(not a valid username)"
            record(conn, ctx.who, "sign-in.failed", target, {"reason": "unknown user"}, at)
            outcome = _Outcome("unknown user")
        else:
            outcome = _check(ctx, found, password, totp_code, at)
            _write(conn, ctx, found, password, outcome, at)
    if outcome.reason is None and found is not None:
        return principal_for(found.user)
    if outcome.needs_code is not None:
        user_id = found.user.id if found is not None else None
        raise SecondFactorRequiredError(enrolled=outcome.needs_code, user=user_id)
    raise SignInRefusedError()


def _name(username: str) -> str | None:
    """The username as stored, or None for text that cannot be one (never looked up, and
    not written to the log: it may be a password typed into the wrong field)."""
    try:
        return rules.username(username)
    except PeopleError:
        return None


def _check(
    ctx: Context, found: store.Credentials, password: str, code: str | None, at: datetime
) -> _Outcome:
    right = verify_password(found.password_hash, password)  # first, whatever follows
    standing = _standing(found.user, at)
    if standing is not None:
        return standing
    if not right:
        return _Outcome("wrong password", counts=True)
    required = ctx.settings.require_admin_totp and found.user.role == Role.ADMINISTRATOR
    if found.totp_secret is None:
        return (
            _Outcome("second factor not enrolled", needs_code=False) if required else _Outcome(None)
        )
    if not code:
        return _Outcome("second factor missing", needs_code=True)
    return _code_outcome(found, code, at)


def _standing(user: User, at: datetime) -> _Outcome | None:
    """Why the account cannot sign in now whatever is typed (disabled, locked), or None."""
    if user.disabled is not None:
        return _Outcome("disabled")
    if user.locked_until is not None and user.locked_until > at:
        return _Outcome("locked")
    return None


def _code_outcome(found: store.Credentials, code: str, at: datetime) -> _Outcome:
    if found.totp_secret is None or not pyotp.TOTP(found.totp_secret).verify(
        _digits(code), for_time=at, valid_window=TOTP_WINDOW
    ):
        return _Outcome("wrong code", counts=True)
    return _Outcome(None)


def complete_with_code(
    ctx: Context, user_id: int, code: str, now: datetime | None = None
) -> Principal:
    """The second step of a sign-in whose password was right a moment ago (the pages keep
    which user in a short signed session, so the password is not sent twice): the user's
    principal when the code is right; SignInRefusedError otherwise, which counts towards the
    lock-out like a wrong password."""
    at = now or clock()
    with ctx.engine.begin() as conn:
        user = store.user_by_id(conn, user_id)
        found = store.credentials(conn, user.username) if user is not None else None
        if found is None:
            raise SignInRefusedError()
        outcome = _standing(found.user, at) or _code_outcome(found, code, at)
        _write(conn, ctx, found, None, outcome, at)
    if outcome.reason is not None:
        raise SignInRefusedError()
    return principal_for(found.user)


def principal_of_user(ctx: Context, user_id: int) -> Principal | None:
    """The principal of a signed-in session's user as the store has it now (its role and
    organisation may have changed), or None when the user is gone or disabled: every page
    request asks, so disabling a user ends its open sessions at their next request."""
    with ctx.engine.connect() as conn:
        user = store.user_by_id(conn, user_id)
    return principal_for(user) if user is not None and user.active else None


def _write(
    conn: Connection,
    ctx: Context,
    found: store.Credentials,
    password: str | None,  # None: a second step, where no password is at hand to rehash
    outcome: _Outcome,
    at: datetime,
) -> None:
    """The counters and the audit entry of one attempt, in its transaction."""
    user, target = found.user, f"user:{found.user.username}"
    if outcome.reason is None:
        store.record_sign_in(conn, user.id, at)
        # The one moment the password is known.
        if password is not None and needs_rehash(found.password_hash):
            store.set_password_hash(conn, user.id, hash_password(password))
        record(
            conn, ctx.who, "sign-in", target, {"second_factor": found.totp_secret is not None}, at
        )
        return
    failed: dict[str, AuditValue] = {"reason": outcome.reason}
    if outcome.counts:
        locked = store.count_failure(conn, user.id, MAX_FAILURES, at + LOCK_OUT)
        if locked is not None:
            failed["locked_until"] = locked.isoformat()
    record(conn, ctx.who, "sign-in.failed", target, failed, at)


def _digits(code: str) -> str:
    """A code as typed: spaces and dashes some apps show between its groups are dropped."""
    return "".join(ch for ch in code if ch not in " -\t")
