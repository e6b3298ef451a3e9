"""Password hashes: argon2id with argon2-cffi's parameters (RFC 9106's second recommended
set: 64 MiB, 3 passes, 4 lanes), verified in constant time; and a dummy hash, so that a name
no one has costs what a wrong password costs."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from outpost.respond.people import MAX_PASSWORD, generate_password

HASHER = PasswordHasher()  # argon2id is its default type


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` is the one hashed. An over-long password is checked against the
    dummy hash instead, so it costs the same and never matches."""
    if len(password) > MAX_PASSWORD:
        password_hash, password = _dummy_hash(), generate_password()
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the hasher's now (stronger ones
    came with an upgrade): it is made again at the next sign-in, while the password is known."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def spend_like_a_check(password: str) -> None:
    """Do the work of one verification and throw the answer away: for a username no one has,
    or an account that cannot sign in, so the time taken tells nothing."""
    verify_password(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    """The hash of a random password no one knows, made once per process."""
    return HASHER.hash(generate_password())
