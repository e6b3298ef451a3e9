"""API tokens on a real SQLite file and a real PostgreSQL schema: the secret is shown once and
stored nowhere, a token verifies until revoked, an unknown one never does, a prefix two
tokens share is refused by name, and last_used is written at most once a minute."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select, update

from outpost.records import ApiToken
from outpost.store.schema import api_tokens
from outpost.store.tokens import (
    AmbiguousTokenError,
    _touch,
    create_token,
    list_tokens,
    revoke_token,
    verify_token,
)

NOW = datetime(2025, 3, 15, 12, tzinfo=UTC)


def make(engine: Engine, name: str = "ci", owner: str = "alice") -> tuple[ApiToken, str]:
    with engine.begin() as conn:
        return create_token(conn, name, owner, NOW)


def verify(engine: Engine, secret: str, now: datetime = NOW) -> ApiToken | None:
    with engine.begin() as conn:
        return verify_token(conn, secret, now)


def stored_values(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(api_tokens)).all()
    return [str(value) for row in rows for value in row]


def test_create_shows_the_secret_once_and_stores_only_its_hash(engine: Engine) -> None:
    token, secret = make(engine, name="deploy bot", owner="alice")
    other, other_secret = make(engine)
    assert secret.startswith("op_") and len(secret) == 3 + 43  # 32 bytes, URL-safe base64
    assert other_secret != secret and other.id != token.id
    assert token.prefix == secret[:8] and token.name == "deploy bot" and token.owner == "alice"
    assert token.created == NOW and token.last_used is None and token.active
    values = stored_values(engine)
    assert hashlib.sha256(secret.encode()).hexdigest() in values
    assert not [v for v in values if secret[8:] in v or other_secret[8:] in v]
    assert secret[8:] not in repr(token)
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:  # nor in the file, nor its log
        files = list(Path(url.database).parent.glob(Path(url.database).name + "*"))
        assert files and not [f for f in files if secret[8:].encode() in f.read_bytes()]


def test_verify_accepts_the_token_and_refuses_unknown_ones(engine: Engine) -> None:
    token, secret = make(engine)
    found = verify(engine, secret)
    assert found is not None and found.id == token.id and found.owner == "alice"
    unknown = ["op_" + "A" * 43, secret[:-1], secret + "x", secret[:8], secret.upper(), ""]
    unknown += [secret[3:], "Bearer " + secret, secret + "é", "op_" + "A" * 10_000]
    assert [s for s in unknown if verify(engine, s) is not None] == []


def test_revoked_tokens_fail_and_are_listed_only_when_asked(engine: Engine) -> None:
    first, first_secret = make(engine, name="first")
    second, second_secret = make(engine, name="second")
    _, third_secret = make(engine, name="third")
    later = NOW + timedelta(hours=1)
    with engine.begin() as conn:
        by_id = revoke_token(conn, first.id, later)
        by_prefix = revoke_token(conn, second.prefix, later)
        by_secret = revoke_token(conn, third_secret, later)
        again = [revoke_token(conn, key, later) for key in (first.id, str(second.id))]
        again += [revoke_token(conn, second.prefix, later), revoke_token(conn, third_secret, later)]
    assert (by_id, by_prefix, by_secret) == (True, True, True)
    assert again == [False, False, False, False]
    assert [verify(engine, s) for s in (first_secret, second_secret, third_secret)] == [None] * 3
    with engine.connect() as conn:
        assert list_tokens(conn) == []
        listed = list_tokens(conn, include_revoked=True)
    assert [(t.name, t.revoked, t.active) for t in listed] == [
        ("first", later, False),
        ("second", later, False),
        ("third", later, False),
    ]


def test_unknown_keys_revoke_nothing(engine: Engine) -> None:
    token, secret = make(engine)
    keys: list[int | str] = [token.id + 1, str(token.id + 1), 0, -1, 2**40, "9" * 30, "٣"]
    keys += [secret[:7], token.prefix.upper(), "op_%", "op_", "", "x" * 10, "op_é"]
    with engine.begin() as conn:
        revoked = [key for key in keys if revoke_token(conn, key, NOW)]
    assert revoked == []
    assert verify(engine, secret) is not None


def test_a_prefix_two_tokens_share_is_refused_by_name(engine: Engine) -> None:
    first, first_secret = make(engine)
    second, second_secret = make(engine)
    # Two tokens whose first 8 characters agree (a 1 in 2**30 chance per pair): made by
    # giving the second one's row the first one's prefix.
    with engine.begin() as conn:
        shared = update(api_tokens).where(api_tokens.c.id == second.id)
        conn.execute(shared.values(prefix=first.prefix))
    with engine.begin() as conn, pytest.raises(AmbiguousTokenError) as refused:
        revoke_token(conn, first.prefix, NOW)
    message = str(refused.value)
    assert first.prefix in message and f"ids {first.id}, {second.id}" in message
    assert verify(engine, first_secret) is not None and verify(engine, second_secret) is not None
    with engine.begin() as conn:  # by id the choice is clear; then the prefix is no longer shared
        assert revoke_token(conn, second.id, NOW)
        assert revoke_token(conn, first.prefix, NOW)
    assert verify(engine, first_secret) is None


def test_last_used_is_written_at_most_once_a_minute(engine: Engine) -> None:
    _, secret = make(engine)
    updates: list[str] = []  # no UPDATE at all in between: on SQLite even one that changes
    # nothing takes the write lock

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            updates.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    seen = []
    for seconds in (0, 30, 59, 60, 61, 200, 100):  # 100: a clock that went back
        found = verify(engine, secret, NOW + timedelta(seconds=seconds))
        with engine.connect() as conn:
            (stored,) = list_tokens(conn)
        assert found is not None and found.last_used == stored.last_used
        seen.append(stored.last_used)
    event.remove(engine, "before_cursor_execute", count)
    assert seen == [NOW + timedelta(seconds=s) for s in (0, 0, 0, 60, 60, 200, 200)]
    assert len(updates) == 3


def test_a_use_recorded_meanwhile_is_not_written_again(engine: Engine) -> None:
    """Two requests at once both read a stale last_used; the second one's write yields."""
    _, secret = make(engine)
    with engine.begin() as conn:
        read_before = verify_token(conn, secret, NOW)
    assert read_before is not None
    with engine.begin() as conn:
        stale = replace(read_before, last_used=None)  # as the other request had read it
        touched = _touch(conn, stale, NOW + timedelta(seconds=10))
    with engine.connect() as conn:
        (stored,) = list_tokens(conn)
    assert stored.last_used == NOW and touched.last_used is None


def test_nothing_is_committed_by_the_store(engine: Engine) -> None:
    with engine.connect() as conn:
        _, secret = create_token(conn, "ci", "alice", NOW)
        assert verify_token(conn, secret, NOW) is not None
        conn.rollback()
    with engine.connect() as conn:
        assert list_tokens(conn, include_revoked=True) == []


def test_names_and_owners_must_be_given(engine: Engine) -> None:
    with engine.begin() as conn:
        for name, owner in (("", "alice"), ("  ", "alice"), ("ci", ""), ("c\x00i", "alice")):
            with pytest.raises(ValueError, match=r"token (name|owner)"):
                create_token(conn, name, owner, NOW)
        token, _ = create_token(conn, "  ci  ", "alice", NOW)
    assert token.name == "ci"
