"""Password hashes: argon2id with the deployment's cost (by default RFC 9106's second
recommended set: 64 MiB, 3 passes, 4 lanes; `OUTPOST_PASSWORD_*`), verified in constant time;
and a dummy hash, so that a name no one has costs what a wrong password costs."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from outpost.config import load_settings
from outpost.respond.people import MAX_PASSWORD, generate_password


@cache
def hasher() -> PasswordHasher:
    """The hasher of this process, with the cost the settings give (read once)."""
    cost = load_settings().password_cost
    return PasswordHasher(
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.lanes,
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` is the one hashed. An over-long password is checked against the
    dummy hash instead, so it costs the same and never matches."""
    if len(password) > MAX_PASSWORD:
        password_hash, password = _dummy_hash(), generate_password()
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the hasher's now (stronger ones
    came with an upgrade): it is made again at the next sign-in, while the password is known."""
    try:
        return hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def spend_like_a_check(password: str) -> None:
    """Do the work of one verification and throw the answer away: for a username no one has,
    or an account that cannot sign in, so the time taken tells nothing."""
    verify_password(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    """The hash of a random password no one knows, made once per process."""
    return hasher().hash(generate_password())
