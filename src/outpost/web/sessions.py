"""Sessions of the pages: a signed cookie, no table.

A person signs in with a username and password (and a TOTP code, on a second step), or with
an API token. The cookie carries the principal, the user's id (the pages act as that user,
read again from the store at every request), the token's id when signed in with one, an
expiry and a random nonce, signed with HMAC-SHA256 under a key of this installation (a file
in the data directory, mode 0600, made on first use). No session is kept on the server: a
cookie works until it expires (SIGNED_IN_FOR, a shift), its user is disabled or its token
revoked, which every request checks; signing out drops it from the browser.

Between a right password and its code, the session is still anonymous but names the user
waiting for a code (`pending`) and lasts CODE_FOR only: the password is never sent twice.

Every visitor holds one, signed in or not: its nonce is what the CSRF token is derived from
(a synchronizer token bound to the session), so the sign-in form is protected too, and
signing in starts a new nonce (a session fixed before sign-in is worth nothing after it).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from outpost.records import Principal

KEY_FILE = "web-session.key"
KEY_BYTES = 32
COOKIE = "outpost_session"
SIGNED_IN_FOR = timedelta(hours=12)
ANONYMOUS_FOR = timedelta(hours=2)  # long enough to fill in the sign-in form
CODE_FOR = timedelta(minutes=5)  # to type the code after a right password
VERSION = "v1"
MAX_COOKIE = 1024  # characters; a longer cookie is not ours


class SessionKeyError(RuntimeError):
    """The key file cannot be used; the message names the file and what to do."""


@dataclass(frozen=True)
class Session:
    nonce: str
    expires: datetime
    principal: Principal | None = None  # None: not signed in
    token: int | None = None  # the API token signed in with: revoking it ends the session
    user: int | None = None  # the user signed in (with a password, or a token of theirs)
    pending: int | None = None  # a user whose password was right, waiting for the code

    @property
    def signed_in(self) -> bool:
        return self.principal is not None


def installation_key(data_dir: Path) -> bytes:
    """The signing key of this installation, made on first use.

    Made in a temporary file and linked into place, so two servers starting at once agree
    on one key; a key that others may read is refused, since it lets them forge sessions."""
    path = data_dir / KEY_FILE
    if not path.exists():
        _create_key(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SessionKeyError(
            f"{path} may be read by other users (mode {mode:o}): run `chmod 600 {path}`"
        )
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise SessionKeyError(f"{path} is not a key of {KEY_BYTES} bytes: delete it to make one")
    return key


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
        # Another process may have made it first: then theirs is the key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def new_session(
    now: datetime,
    principal: Principal | None = None,
    token: int | None = None,
    user: int | None = None,
) -> Session:
    lasts = SIGNED_IN_FOR if principal else ANONYMOUS_FOR
    return Session(secrets.token_urlsafe(18), now + lasts, principal, token, user)


def waiting_for_code(now: datetime, user: int) -> Session:
    """An anonymous session, with a new nonce, that remembers for CODE_FOR whose password
    was right."""
    return Session(secrets.token_urlsafe(18), now + CODE_FOR, pending=user)


def encode(key: bytes, session: Session) -> str:
    who = session.principal
    payload = {
        "n": session.nonce,
        "e": int(session.expires.timestamp()),
        "p": [who.id, who.name] if who else None,
        "t": session.token,
        "u": session.user,
        "w": session.pending,
    }
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{VERSION}.{body}.{_sign(key, body)}"


def decode(key: bytes, cookie: str | None, now: datetime) -> Session | None:
    """The session of a cookie, or None when it is missing, forged, malformed or expired."""
    if not cookie or len(cookie) > MAX_COOKIE:
        return None
    parts = cookie.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        return None
    _, body, signature = parts
    if not hmac.compare_digest(signature, _sign(key, body)):
        return None
    try:
        payload = json.loads(_unb64(body))
        expires = datetime.fromtimestamp(int(payload["e"]), UTC)
        nonce = str(payload["n"])
        who = payload["p"]
        principal = Principal(str(who[0]), str(who[1])) if who else None
        token, user, pending = (payload.get(k) for k in ("t", "u", "w"))
        if not all(_is_id(v) for v in (token, user, pending)):
            return None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, binascii.Error):
        return None
    if expires <= now:
        return None
    return Session(nonce, expires, principal, token, user, pending if principal is None else None)


def _is_id(value: object) -> bool:
    """None, or a row id (never a bool, which JSON would let through as an int)."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def csrf_token(key: bytes, session: Session) -> str:
    """The session's CSRF token: derived from its nonce, so it needs no storage and changes
    with every sign-in."""
    return _b64(hmac.new(key, f"csrf:{session.nonce}".encode(), hashlib.sha256).digest())


def csrf_matches(key: bytes, session: Session | None, given: str | None) -> bool:
    if session is None or not given:
        return False
    return hmac.compare_digest(given.encode(), csrf_token(key, session).encode())


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, f"{VERSION}.{body}".encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
