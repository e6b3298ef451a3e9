"""`outpost init`, `org`, `user` and `audit` as an operator runs them, against a real SQLite
file and a real PostgreSQL schema: a password is printed once and signs in; the audit chain
verifies, and a row changed in the database makes `audit verify` fail naming it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from click.testing import Result
from sqlalchemy import update
from typer.testing import CliRunner

from outpost.cli import app
from outpost.config import Settings, sqlite_url
from outpost.respond.people import SignInRefusedError
from outpost.services.context import open_context, operator
from outpost.services.signin import authenticate
from outpost.store.schema import audit_log

runner = CliRunner()
NOW = datetime(2025, 3, 15, 12, tzinfo=UTC)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}


def run(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def sign_in(env: dict[str, str], username: str, password: str, code: str | None = None) -> str:
    """The role the credentials sign in with, through the service the pages will call."""
    settings = Settings(Path(env["OUTPOST_DATA_DIR"]), env["OUTPOST_DATABASE_URL"])
    ctx = open_context(settings, operator())
    try:
        return str(authenticate(ctx, username, password, code, now=NOW).role)
    finally:
        ctx.engine.dispose()


def printed_once(result: Result) -> str:
    """The one line of standard output, which must appear nowhere else."""
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and len(lines) == 1, (result.stdout, result.stderr)
    secret = lines[0]
    assert secret not in result.stderr
    return secret


def test_init_prints_the_first_administrators_password_once(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "init", "--admin", "Boss", "--name", "The Boss")
    password = printed_once(result)
    assert len(password) == 20 and "shown once" in " ".join(result.stderr.split())
    assert sign_in(cli_env, "boss", password) == "administrator"
    again = run(cli_env, "init", "--admin", "other")
    assert again.exit_code == 1 and "an administrator exists already" in again.stderr
    orgs = json.loads(run(cli_env, "org", "list", "--json").stdout)
    assert [(o["code"], o["name"], o["kind"]) for o in orgs] == [
        ("crc", "Crisis Response Centre", "centre")
    ]


def test_orgs_and_users_from_the_command_line(cli_env: dict[str, str]) -> None:
    added = run(cli_env, "org", "add", "KZ-KNB", "National Security Committee", "--country", "kz")
    assert added.exit_code == 0 and "kz-knb" in added.stderr
    taken = run(cli_env, "org", "add", "kz-knb", "Again")
    assert taken.exit_code == 1 and "organisation code 'kz-knb' is taken" in taken.stderr
    result = run(cli_env, "user", "add", "Alice", "--org", "kz-knb", "--role", "analyst")
    password = printed_once(result)
    assert sign_in(cli_env, "alice", password) == "analyst"
    missing = run(cli_env, "user", "add", "bob", "--org", "nowhere")
    assert missing.exit_code == 1 and "no organisation 'nowhere'" in missing.stderr
    bad_role = run(cli_env, "user", "add", "bob", "--org", "kz-knb", "--role", "boss")
    assert bad_role.exit_code == 1 and "role: expected one of viewer" in bad_role.stderr
    listed = json.loads(run(cli_env, "user", "list", "--json").stdout)
    assert [(u["username"], u["org"], u["role"]) for u in listed] == [
        ("alice", "kz-knb", "analyst")
    ]
    assert listed[0]["last_sign_in"] is not None and "password_hash" not in listed[0]
    table = " ".join(run(cli_env, "user", "list").stdout.split())
    assert "alice" in table and "active" in table and password not in table
    disabled = run(cli_env, "user", "disable", "alice")
    assert disabled.exit_code == 0 and "disabled" in disabled.stderr
    with pytest.raises(SignInRefusedError):
        sign_in(cli_env, "alice", password)
    assert "disabled" in " ".join(run(cli_env, "user", "list").stdout.split())


def test_totp_enrolment_prints_a_uri_whose_codes_sign_in(cli_env: dict[str, str]) -> None:
    password = printed_once(run(cli_env, "init", "--admin", "boss"))
    result = run(cli_env, "user", "totp", "boss")
    uri = printed_once(result)
    assert uri.startswith("otpauth://totp/")
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert secret in result.stderr  # the key to type by hand, once, beside the URI
    with pytest.raises(SignInRefusedError, match="authenticator app"):
        sign_in(cli_env, "boss", password)
    assert sign_in(cli_env, "boss", password, pyotp.TOTP(secret).at(NOW)) == "administrator"
    unknown = run(cli_env, "user", "totp", "nobody")
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.stderr


def test_audit_verify_and_list(cli_env: dict[str, str]) -> None:
    run(cli_env, "init", "--admin", "boss")
    run(cli_env, "org", "add", "kz-knb", "KNB", "--country", "KZ")
    run(cli_env, "user", "add", "alice", "--org", "kz-knb")
    verified = run(cli_env, "audit", "verify")
    assert verified.exit_code == 0 and verified.stdout.strip() == "chain intact, 4 entries"
    listed = json.loads(run(cli_env, "audit", "list", "--limit", "2", "--json").stdout)
    assert [(e["id"], e["action"], e["target"]) for e in listed] == [
        (4, "user.add", "user:alice"),
        (3, "org.add", "org:kz-knb"),
    ]
    assert listed[1]["detail"] == {"country": "KZ", "kind": "member", "name": "KNB"}
    table = " ".join(run(cli_env, "audit", "list").stdout.split())
    assert "user:boss" in table and "init=True" in table
    settings = Settings(Path(cli_env["OUTPOST_DATA_DIR"]), cli_env["OUTPOST_DATABASE_URL"])
    ctx = open_context(settings, operator())
    try:
        with ctx.engine.begin() as conn:
            conn.execute(update(audit_log).where(audit_log.c.id == 2).values(target="user:eve"))
    finally:
        ctx.engine.dispose()
    broken = run(cli_env, "audit", "verify")
    assert broken.exit_code == 1 and "chain broken at entry 2:" in broken.stderr
    assert "do not match its hash" in " ".join(broken.stderr.split())


@pytest.mark.slow
def test_the_installed_command_prints_the_password_once(tmp_path: Path) -> None:
    """The real `outpost` process, as an operator starts it on a fresh data folder."""
    env = {**os.environ, "OUTPOST_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    env.pop("OUTPOST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "outpost", "init", "--admin", "boss"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    password = done.stdout.strip()
    assert len(done.stdout.splitlines()) == 1 and password not in done.stderr
    stored = {"OUTPOST_DATA_DIR": str(tmp_path), "OUTPOST_DATABASE_URL": ""}
    stored["OUTPOST_DATABASE_URL"] = sqlite_url(tmp_path / "outpost.db")  # the default store
    assert sign_in(stored, "boss", password) == "administrator"
