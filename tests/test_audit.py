"""The audit chain on a real SQLite file and a real PostgreSQL schema: written with each
change in its transaction, verified whole, and broken exactly where a row was changed or
removed behind its back (real UPDATE and DELETE statements)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, select, update

from outpost.records import AuditEntry
from outpost.respond.audit import GENESIS, detail_json, entry_hash
from outpost.respond.people import AlreadyExistsError
from outpost.services import people
from outpost.services.audit import check_audit, list_audit, verify_audit
from outpost.services.context import Context, operator
from outpost.store.schema import audit_log

ROWS = 6


@pytest.fixture
def ctx(engine: Engine, settings) -> Iterator[Context]:  # type: ignore[no-untyped-def]
    yield Context(engine, settings, operator())


@pytest.fixture
def chain(ctx: Context) -> Context:
    """Six entries: four organisations added, and two users (with hashes: argon2id)."""
    for code in ("crc", "kz-knb", "tj-gkns", "kg-gknb"):
        people.add_org(
            ctx, code, f"Organisation {code}", country=code[:2] if code != "crc" else None
        )
    people.add_user(ctx, "alice", "kz-knb", "analyst")
    people.add_user(ctx, "bob", "tj-gkns", "coordinator")
    return ctx


def rows(engine: Engine) -> list[AuditEntry]:
    with engine.connect() as conn:
        found = conn.execute(select(audit_log).order_by(audit_log.c.id)).all()
    return [
        AuditEntry(r.id, r.at, r.actor, r.action, r.target, r.detail, r.prev_hash, r.hash)
        for r in found
    ]


def test_every_change_is_chained_to_the_one_before(chain: Context, engine: Engine) -> None:
    entries = rows(engine)
    assert [e.id for e in entries] == list(range(1, ROWS + 1))
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert all(entry_hash(e) == e.hash for e in entries)
    assert [e.action for e in entries] == ["org.add"] * 4 + ["user.add"] * 2
    assert entries[4].target == "user:alice" and entries[4].actor == operator().id
    assert entries[4].detail_json == '{"org":"kz-knb","role":"analyst"}'
    checked = check_audit(chain)
    assert checked.intact and checked.entries == ROWS and verify_audit(chain) is None
    assert [e.id for e in list_audit(chain, 2)] == [6, 5]  # newest first


def test_a_refused_change_writes_no_entry(chain: Context, engine: Engine) -> None:
    with pytest.raises(AlreadyExistsError):
        people.add_user(chain, "ALICE", "crc")
    assert len(rows(engine)) == ROWS and verify_audit(chain) is None


def tampered_values(entry: AuditEntry) -> dict[str, object]:
    """For each column but the id, another value of the right type."""
    return {
        "at": entry.at + timedelta(seconds=1),
        "actor": "operator:someone-else",
        "action": "org.remove",
        "target": "org:evil",
        "detail": '{"country":"KZ","kind":"partner","name":"Organisation tj-gkns"}',
        "prev_hash": "f" * 64,
        "hash": "0" * 63 + "1",
    }


@pytest.mark.parametrize("target", [1, 3, ROWS])
def test_changing_any_column_of_a_row_breaks_the_chain_at_that_row(
    chain: Context, engine: Engine, target: int
) -> None:
    original = rows(engine)[target - 1]
    for column, value in tampered_values(original).items():
        with engine.begin() as conn:
            conn.execute(update(audit_log).where(audit_log.c.id == target).values({column: value}))
        broken = verify_audit(chain)
        assert broken is not None and broken.id == target, (column, broken)
        restore = {column: getattr(original, "detail_json" if column == "detail" else column)}
        with engine.begin() as conn:
            conn.execute(update(audit_log).where(audit_log.c.id == target).values(restore))
        assert verify_audit(chain) is None, f"restoring {column} did not mend the chain"


def test_a_row_given_another_id_is_found(chain: Context, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == 3).values(id=99))
    broken = verify_audit(chain)
    assert broken is not None and broken.id == 3 and "entry 3 missing" in broken.why


@pytest.mark.parametrize(
    ("removed", "why"),
    [
        ((3,), "entry 3 missing"),
        ((1,), "entry 1 missing: entry 2 follows the start"),
        ((2, 3), "entries 2-3 missing"),
    ],
)
def test_removing_rows_is_found(
    chain: Context, engine: Engine, removed: tuple[int, ...], why: str
) -> None:
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.id.in_(removed)))
    checked = check_audit(chain)
    assert checked.broken is not None and checked.broken.id == removed[0]
    assert why in checked.broken.why


def test_a_removed_row_replaced_by_a_forged_one_is_found(chain: Context, engine: Engine) -> None:
    """Rewriting a row whole with a hash of its own making still breaks the next link."""
    entries = rows(engine)
    forged = AuditEntry(
        3, entries[2].at, "operator:x", "org.add", "org:evil", "{}", entries[1].hash, ""
    )
    with engine.begin() as conn:
        conn.execute(
            update(audit_log)
            .where(audit_log.c.id == 3)
            .values(actor=forged.actor, target=forged.target, detail="{}", hash=entry_hash(forged))
        )
    broken = verify_audit(chain)
    assert broken is not None and broken.id == 4 and "prev_hash" in broken.why


def test_writers_at_once_never_fork_the_chain(ctx: Context, engine: Engine) -> None:
    """Two threads adding organisations at the same time: each entry follows exactly one."""
    errors: list[BaseException] = []

    def add(prefix: str) -> None:
        try:
            for n in range(8):
                people.add_org(ctx, f"{prefix}-{n}", f"Organisation {prefix} {n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(p,)) for p in ("aa", "bb")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    checked = check_audit(ctx)
    assert checked.intact and checked.entries == 16
    assert len({e.prev_hash for e in rows(engine)}) == 16


def test_a_detail_is_flat_canonical_json() -> None:
    assert detail_json({"b": 1, "a": "é", "c": None}) == '{"a":"é","b":1,"c":null}'
    with pytest.raises(TypeError, match="expected a plain value"):
        detail_json({"nested": {"a": 1}})  # type: ignore[dict-item]
