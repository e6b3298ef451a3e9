"""People and organisations on a real SQLite file and a real PostgreSQL schema: added and
refused by name, roles enforced, argon2id sign-in with lock-out, disabled accounts, the TOTP
second factor (and the administrators' requirement), and no secret in a record or the log."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select, update

from outpost.config import PasswordCost, SettingsError, load_settings
from outpost.records import Principal, User
from outpost.respond.people import (
    PERMISSIONS,
    Action,
    AlreadyExistsError,
    NotAllowedError,
    NotFoundError,
    PeopleError,
    Role,
    SecondFactorRequiredError,
    SignInRefusedError,
    may,
)
from outpost.services import people
from outpost.services.audit import list_audit
from outpost.services.context import Context, operator
from outpost.services.signin import LOCK_OUT, authenticate
from outpost.services.tokens import authenticate as token_principal
from outpost.services.tokens import create_api_token
from outpost.store.schema import metadata, users

NOW = datetime(2025, 3, 15, 12, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def ctx(engine: Engine, settings) -> Iterator[Context]:  # type: ignore[no-untyped-def]
    yield Context(engine, settings, operator())


@pytest.fixture
def alliance(ctx: Context) -> Context:
    """The centre and one member state, with an analyst of each and an administrator."""
    people.add_org(ctx, "crc", "Crisis Response Centre", kind="centre")
    people.add_org(ctx, "kz-knb", "National Security Committee", country="kz")
    people.add_user(ctx, "Alice", "kz-knb", "analyst", "Alice A.", password=PASSWORD)
    people.add_user(ctx, "carol", "crc", "analyst", password=PASSWORD)
    people.add_user(ctx, "root", "crc", "administrator", password=PASSWORD)
    return ctx


def signed_in(ctx: Context, username: str) -> Context:
    return ctx.acting(authenticate(ctx, username, PASSWORD, now=NOW))


def reasons(ctx: Context) -> list[str]:
    """The reasons of the failed sign-ins in the log, oldest first."""
    entries = reversed(list_audit(ctx, 1000))
    return [str(e.detail["reason"]) for e in entries if e.action == "sign-in.failed"]


def every_stored_value(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [
            str(value)
            for table in metadata.sorted_tables
            for row in conn.execute(select(table))
            for value in row
        ]


def test_organisations_and_users_are_added_listed_and_refused_by_name(ctx: Context) -> None:
    org = people.add_org(ctx, " KZ-KNB ", "National  Security Committee", "member", "kz")
    assert (org.code, org.name, org.kind, org.country) == (
        "kz-knb",
        "National Security Committee",
        "member",
        "KZ",
    )
    user, password = people.add_user(ctx, "Alice", "kz-knb", "Analyst", "Alice A.")
    assert (user.username, user.display_name, user.org, user.role) == (
        "alice",
        "Alice A.",
        "kz-knb",
        "analyst",
    )
    assert user.active and not user.totp and len(password) == 20
    with pytest.raises(AlreadyExistsError, match="organisation code 'kz-knb' is taken"):
        people.add_org(ctx, "kz-knb", "Another")
    with pytest.raises(AlreadyExistsError, match="username 'alice' is taken"):
        people.add_user(ctx, "ALICE", "kz-knb")
    with pytest.raises(NotFoundError, match="no organisation 'nowhere'"):
        people.add_user(ctx, "bob", "nowhere")
    refused = {
        "username": lambda: people.add_user(ctx, "bob smith", "kz-knb"),
        "role": lambda: people.add_user(ctx, "bob", "kz-knb", "boss"),
        "password": lambda: people.add_user(ctx, "bob", "kz-knb", password="short"),
        "organisation code": lambda: people.add_org(ctx, "k", "K"),
        "country": lambda: people.add_org(ctx, "xx-org", "X", country="XX"),
        "organisation kind": lambda: people.add_org(ctx, "xx-org", "X", kind="club"),
    }
    for field, attempt in refused.items():
        with pytest.raises(PeopleError, match=f"^{field}"):
            attempt()
    assert [u.username for u in people.list_users(ctx)] == ["alice"]
    assert [o.code for o in people.list_orgs(ctx)] == ["kz-knb"]


def test_the_permission_table_orders_the_roles() -> None:
    granted = [len(PERMISSIONS[role]) for role in Role]
    assert granted == sorted(granted) and len(set(granted)) == 4
    for weaker, stronger in zip(list(Role), list(Role)[1:], strict=False):
        assert PERMISSIONS[weaker] < PERMISSIONS[stronger]
    analyst = Principal("user:a", "A", 1, "kz-knb", "analyst")
    assert may(analyst, Action.WRITE_ASSESSMENT) and not may(analyst, Action.MANAGE_PLANS)
    assert may(replace(analyst, role="coordinator"), Action.LOOSEN_MARKING)
    assert not may(replace(analyst, role="superuser"), Action.READ)  # unknown role: nothing
    assert not may(Principal("system:web", "web"), Action.READ)
    assert may(operator(), Action.MANAGE_USERS)  # the local operator owns the machine


def test_only_administrators_manage_people(alliance: Context) -> None:
    alice = signed_in(alliance, "alice")
    assert alice.who == Principal("user:alice", "Alice A.", alice.who.user, "kz-knb", "analyst")
    attempts = [
        lambda: people.add_user(alice, "mallory", "kz-knb", "administrator"),
        lambda: people.add_org(alice, "evil", "Evil"),
        lambda: people.disable_user(alice, "carol"),
        lambda: people.set_password(alice, "carol", "a new password for carol"),
        lambda: people.enroll_totp(alice, "carol"),
        lambda: people.init_admin(alice, "mallory"),
        lambda: list_audit(alice),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowedError, match=r"user:alice \(analyst\) may not"):
            attempt()
    assert isinstance(NotAllowedError("x"), PermissionError)
    nobody = alliance.acting(Principal("system:web", "web"))
    with pytest.raises(NotAllowedError, match="no role"):
        people.add_org(nobody, "evil", "Evil")
    # An analyst sees its own organisation's people; an administrator (not the operator) all.
    assert [u.username for u in people.list_users(alice)] == ["alice"]
    assert people.list_users(alice, org="crc") == []
    root = signed_in(alliance, "root")
    assert [u.username for u in people.list_users(root)] == ["alice", "carol", "root"]
    people.add_user(root, "dave", "kz-knb", "viewer")
    assert [e.actor for e in list_audit(alliance, 1)] == ["user:root"]


def test_right_and_wrong_passwords(alliance: Context) -> None:
    principal = authenticate(alliance, "ALICE ", PASSWORD, now=NOW)
    assert (principal.id, principal.org, principal.role) == ("user:alice", "kz-knb", "analyst")
    for name, password in [("alice", PASSWORD + "x"), ("nobody", PASSWORD), ("a b", PASSWORD)]:
        with pytest.raises(SignInRefusedError) as refused:
            authenticate(alliance, name, password, now=NOW)
        assert str(refused.value) == "wrong username or password"
        assert not isinstance(refused.value, SecondFactorRequiredError)
    assert reasons(alliance) == ["wrong password", "unknown user", "unknown user"]
    alice = next(u for u in people.list_users(alliance) if u.username == "alice")
    assert alice.last_sign_in == NOW and alice.failed_attempts == 1
    targets = [e.target for e in list_audit(alliance, 3)]
    assert targets == ["user:(not a valid username)", "user:nobody", "user:alice"]


def test_five_failures_lock_the_account_for_fifteen_minutes(alliance: Context) -> None:
    for minute in range(5):
        with pytest.raises(SignInRefusedError):
            authenticate(alliance, "alice", "not the password", now=NOW + timedelta(minutes=minute))
    locked_at = NOW + timedelta(minutes=4)
    during = locked_at + LOCK_OUT - timedelta(seconds=1)
    with pytest.raises(SignInRefusedError) as refused:  # the right password, while locked
        authenticate(alliance, "alice", PASSWORD, now=during)
    assert str(refused.value) == "wrong username or password"  # as a wrong one answers
    assert reasons(alliance) == ["wrong password"] * 5 + ["locked"]
    locking = next(e for e in list_audit(alliance, 10) if "locked_until" in e.detail)
    assert locking.detail["locked_until"] == (locked_at + LOCK_OUT).isoformat()
    assert authenticate(alliance, "alice", PASSWORD, now=locked_at + LOCK_OUT).id == "user:alice"
    alice = next(u for u in people.list_users(alliance) if u.username == "alice")
    assert alice.failed_attempts == 0 and alice.locked_until is None
    # A success in between starts the count again: four failures do not lock.
    for _ in range(4):
        with pytest.raises(SignInRefusedError):
            authenticate(alliance, "carol", "not the password", now=NOW)
    authenticate(alliance, "carol", PASSWORD, now=NOW)
    for _ in range(4):
        with pytest.raises(SignInRefusedError):
            authenticate(alliance, "carol", "not the password", now=NOW)
    assert authenticate(alliance, "carol", PASSWORD, now=NOW).id == "user:carol"


def test_a_disabled_user_cannot_sign_in_nor_its_tokens_act(alliance: Context) -> None:
    alice = signed_in(alliance, "alice")
    token, secret = create_api_token(alice, "laptop")
    assert token.user_id == alice.who.user and token_principal(alliance, secret) == alice.who
    disabled = people.disable_user(alliance, "Alice")
    assert disabled.disabled is not None and not disabled.active
    with pytest.raises(SignInRefusedError) as refused:
        authenticate(alliance, "alice", PASSWORD, now=NOW)
    assert str(refused.value) == "wrong username or password"
    assert reasons(alliance)[-1] == "disabled"
    assert token_principal(alliance, secret) is None
    people.disable_user(alliance, "alice")  # again: nothing changes, nothing is recorded
    assert [e.action for e in list_audit(alliance, 2)] == ["sign-in.failed", "user.disable"]
    with pytest.raises(NotFoundError, match="no user 'zed'"):
        people.disable_user(alliance, "zed")
    root = signed_in(alliance, "root")
    with pytest.raises(PeopleError, match="your own account"):
        people.disable_user(root, "root")


def test_totp_is_required_once_enrolled(alliance: Context) -> None:
    uri, secret = people.enroll_totp(alliance, "alice")
    assert uri.startswith("otpauth://totp/Outpost:alice?") and f"secret={secret}" in uri
    assert "issuer=Outpost" in uri
    with pytest.raises(SecondFactorRequiredError) as missing:
        authenticate(alliance, "alice", PASSWORD, now=NOW)
    assert missing.value.enrolled
    code = pyotp.TOTP(secret).at(NOW)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(SignInRefusedError) as refused:
        authenticate(alliance, "alice", PASSWORD, wrong, now=NOW)
    assert not isinstance(refused.value, SecondFactorRequiredError)
    with pytest.raises(SignInRefusedError):  # a wrong password with a right code
        authenticate(alliance, "alice", PASSWORD + "x", code, now=NOW)
    assert authenticate(alliance, "alice", PASSWORD, code, now=NOW).id == "user:alice"
    spaced = f"{code[:3]} {code[3:]}"  # as some apps show it
    assert authenticate(alliance, "alice", PASSWORD, spaced, now=NOW + timedelta(seconds=30))
    with pytest.raises(SignInRefusedError):  # two steps later it has expired
        authenticate(alliance, "alice", PASSWORD, code, now=NOW + timedelta(seconds=90))
    assert reasons(alliance) == [
        "second factor missing",
        "wrong code",
        "wrong password",
        "wrong code",
    ]
    alice = next(u for u in people.list_users(alliance) if u.username == "alice")
    assert alice.totp
    # The user may enrol again itself (a new phone); the old secret stops working.
    alice = alliance.acting(authenticate(alliance, "alice", PASSWORD, code, now=NOW))
    _, again = people.enroll_totp(alice, "alice")
    assert again != secret
    with pytest.raises(SignInRefusedError):
        authenticate(alliance, "alice", PASSWORD, code, now=NOW)
    assert authenticate(alliance, "alice", PASSWORD, pyotp.TOTP(again).at(NOW), now=NOW)


def test_administrators_need_a_second_factor_when_the_setting_says_so(
    alliance: Context,
) -> None:
    strict = replace(alliance, settings=replace(alliance.settings, require_admin_totp=True))
    with pytest.raises(SecondFactorRequiredError) as refused:
        authenticate(strict, "root", PASSWORD, now=NOW)
    assert not refused.value.enrolled and "enrol one first" in str(refused.value)
    assert authenticate(strict, "alice", PASSWORD, now=NOW).role == "analyst"  # not an admin
    assert authenticate(alliance, "root", PASSWORD, now=NOW).role == "administrator"  # off
    _, secret = people.enroll_totp(strict, "root")
    with pytest.raises(SecondFactorRequiredError) as missing:
        authenticate(strict, "root", PASSWORD, now=NOW)
    assert missing.value.enrolled
    code = pyotp.TOTP(secret).at(NOW)
    assert authenticate(strict, "root", PASSWORD, code, now=NOW).role == "administrator"


def test_the_setting_is_read_from_the_environment_and_the_file(tmp_path: Path) -> None:
    base = {"OUTPOST_DATA_DIR": str(tmp_path)}
    assert not load_settings(base).require_admin_totp
    for text, expected in [("yes", True), ("TRUE", True), ("1", True), ("off", False)]:
        settings = load_settings({**base, "OUTPOST_REQUIRE_ADMIN_TOTP": text})
        assert settings.require_admin_totp is expected
    with pytest.raises(SettingsError, match="require_admin_totp: expected true or false"):
        load_settings({**base, "OUTPOST_REQUIRE_ADMIN_TOTP": "ture"})
    (tmp_path / "outpost.toml").write_text("require_admin_totp = true\n", encoding="utf-8")
    assert load_settings(base).require_admin_totp


def test_only_an_argon2id_hash_is_stored_and_no_secret_leaves_the_store(
    alliance: Context, engine: Engine
) -> None:
    generated_user, generated = people.add_user(alliance, "erin", "crc")
    uri, totp_secret = people.enroll_totp(alliance, "erin")
    assert f"secret={totp_secret}" in uri
    changed = people.set_password(alliance, "erin")
    authenticate(alliance, "erin", changed, pyotp.TOTP(totp_secret).at(NOW), now=NOW)
    with engine.connect() as conn:
        hashes = list(conn.execute(select(users.c.password_hash)).scalars())
    assert len(hashes) == 4 and all(h.startswith("$argon2id$") for h in hashes)
    stored = every_stored_value(engine)
    for secret in (PASSWORD, generated, changed):
        assert not [v for v in stored if secret in v]
    assert [v for v in stored if totp_secret in v] == [totp_secret]  # the users row alone
    log = " ".join(f"{e.actor} {e.target} {e.detail_json}" for e in list_audit(alliance, 1000))
    assert totp_secret not in log and "$argon2id$" not in log and generated not in log
    fields = {f.name for f in dataclasses.fields(User)}
    assert not fields & {"password_hash", "totp_secret"}
    everyone = [repr(u) for u in people.list_users(alliance)] + [repr(generated_user)]
    assert not [r for r in everyone if "$argon2" in r or totp_secret in r]


def test_a_hash_of_older_parameters_is_made_again_at_sign_in(
    alliance: Context, engine: Engine
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == "alice").values(password_hash=weak))
    authenticate(alliance, "alice", PASSWORD, now=NOW)
    with engine.connect() as conn:
        now_stored = conn.execute(
            select(users.c.password_hash).where(users.c.username == "alice")
        ).scalar_one()
    cost = load_settings().password_cost  # the tests' own cheap cost (conftest)
    made = f"$argon2id$v=19$m={cost.memory_kib},t={cost.time_cost},p={cost.lanes}$"
    assert now_stored != weak and now_stored.startswith(made)
    assert authenticate(alliance, "alice", PASSWORD, now=NOW).id == "user:alice"


def test_the_password_cost_is_rfc_9106s_unless_the_deployment_sets_it() -> None:
    assert load_settings({}).password_cost == PasswordCost(65536, 3, 4)
    env = {"OUTPOST_PASSWORD_MEMORY_KIB": "19456", "OUTPOST_PASSWORD_TIME_COST": "2"}
    assert load_settings(env).password_cost == PasswordCost(19456, 2, 4)
    for key, value, named in (
        ("OUTPOST_PASSWORD_LANES", "0", "password_lanes"),
        ("OUTPOST_PASSWORD_TIME_COST", "1.5", "password_time_cost"),
        ("OUTPOST_PASSWORD_MEMORY_KIB", "16", "password_memory_kib"),
    ):
        with pytest.raises(SettingsError, match=named):
            load_settings({key: value})


def test_passwords_are_set_by_administrators_or_by_their_owner(alliance: Context) -> None:
    for _ in range(5):  # locked out...
        with pytest.raises(SignInRefusedError):
            authenticate(alliance, "alice", "not the password", now=NOW)
    new = people.set_password(alliance, "alice")  # ...until an administrator sets a new one
    assert len(new) == 20
    with pytest.raises(SignInRefusedError):
        authenticate(alliance, "alice", PASSWORD, now=NOW)
    alice = alliance.acting(authenticate(alliance, "alice", new, now=NOW))
    with pytest.raises(PeopleError, match="current password is wrong"):
        people.set_password(alice, "alice", "my own new passphrase", current=PASSWORD)
    with pytest.raises(PeopleError, match=r"^password: at least 12"):
        people.set_password(alice, "alice", "too short", current=new)
    people.set_password(alice, "alice", "my own new passphrase", current=new)
    assert authenticate(alliance, "alice", "my own new passphrase", now=NOW).id == "user:alice"
    with pytest.raises(NotAllowedError):  # not even whether "zed" exists
        people.set_password(alice, "zed", "a new password for zed")
    with pytest.raises(NotFoundError, match="no user 'zed'"):
        people.set_password(alliance, "zed")
    details = [e.detail for e in list_audit(alliance, 100) if e.action == "user.password"]
    assert details == [{"generated": False}, {"generated": True}]


def test_init_makes_the_first_administrator_once(ctx: Context) -> None:
    user, password = people.init_admin(ctx, "Boss", display_name="The Boss")
    assert (user.username, user.display_name, user.role, user.org) == (
        "boss",
        "The Boss",
        "administrator",
        "crc",
    )
    assert [(o.code, o.name, o.kind) for o in people.list_orgs(ctx)] == [
        ("crc", "Crisis Response Centre", "centre")
    ]
    assert authenticate(ctx, "boss", password, now=NOW).role == "administrator"
    with pytest.raises(PeopleError, match="an administrator exists already"):
        people.init_admin(ctx, "another", "kz-knb", "KNB")
    assert [o.code for o in people.list_orgs(ctx)] == ["crc"]  # nothing of it was kept
    assert [e.action for e in reversed(list_audit(ctx))] == ["org.add", "user.add", "sign-in"]
