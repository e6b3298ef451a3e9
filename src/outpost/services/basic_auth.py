"""HTTP Basic for machines: a TAXII client sends the username and password with every poll.

The first request is a sign-in like any other (one argon2 check, counted towards the
lock-out when wrong, audited). Its success is then remembered for a few minutes, in memory
only, under a keyed digest of the username and password (never the password itself), so a
client polling every minute costs one read of the user, not an argon2 check and an audit
entry per request. Each reuse reads the user as the store has it now: a new password (its
hash differs), a disabled or locked account, or a second factor enrolled since, ends it at
once. A wrong password is never remembered: it goes to the sign-in, which counts it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from outpost.records import Principal
from outpost.respond.people import principal_for
from outpost.respond.people import username as stored_name
from outpost.services import signin
from outpost.services.context import Context
from outpost.store import people as store
from outpost.store.times import now as clock

LIFETIME = 300.0  # seconds a verified pair is remembered
CAPACITY = 1024  # pairs remembered at most (the oldest go first)


@dataclass(frozen=True)
class _Verified:
    user_id: int
    password_hash: str  # as it was when the password was checked against it
    until: float  # time.monotonic() deadline


class RememberedSignIns:
    """The Basic credentials verified lately, for one server process."""

    def __init__(self, lifetime: float = LIFETIME, capacity: int = CAPACITY) -> None:
        self._key = secrets.token_bytes(32)  # per process: a digest means nothing elsewhere
        self._lifetime, self._capacity = lifetime, capacity
        self._found: OrderedDict[bytes, _Verified] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, ctx: Context, username: str, password: str) -> Principal:
        """The principal of these credentials (signin.authenticate's refusals otherwise)."""
        digest = hmac.new(self._key, f"{username}\0{password}".encode(), hashlib.sha256).digest()
        with self._lock:
            known = self._found.get(digest)
        if known is not None and known.until > time.monotonic():
            who = _still(ctx, username, known)
            if who is not None:
                return who
        who = signin.authenticate(ctx, username, password)
        self._remember(ctx, digest, username)
        return who

    def _remember(self, ctx: Context, digest: bytes, username: str) -> None:
        with ctx.engine.connect() as conn:
            found = store.credentials(conn, stored_name(username))
        if found is None:
            return
        verified = _Verified(found.user.id, found.password_hash, time.monotonic() + self._lifetime)
        with self._lock:
            self._found[digest] = verified
            self._found.move_to_end(digest)
            while len(self._found) > self._capacity:
                self._found.popitem(last=False)


def _still(ctx: Context, username: str, known: _Verified) -> Principal | None:
    """The user's principal if nothing that matters changed since the check, else None."""
    with ctx.engine.connect() as conn:
        found = store.credentials(conn, stored_name(username))
    if found is None or found.user.id != known.user_id:
        return None
    unchanged = hmac.compare_digest(found.password_hash, known.password_hash)
    if not unchanged or found.totp_secret is not None or not found.user.active:
        return None
    locked = found.user.locked_until is not None and found.user.locked_until > clock()
    return None if locked else principal_for(found.user)
