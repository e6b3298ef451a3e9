"""The `outpost` command as a user runs it: the demo in a real process, the listing commands
in-process against a real database."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from outpost.cli import app
from outpost.config import Settings, sqlite_url
from outpost.respond.people import SignInRefusedError
from outpost.services.context import Context, operator
from outpost.services.demo_people import USERS
from outpost.services.people import list_orgs
from outpost.services.signin import authenticate
from outpost.store import connect
from tests.conftest import EXAMPLES

runner = CliRunner()


def test_demo_shows_the_seeds_and_the_page_without_boilerplate(tmp_path: Path) -> None:
    env = {**os.environ, "OUTPOST_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    env.pop("OUTPOST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "outpost", "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    output = " ".join(done.stdout.split())
    assert "seed-000" in output and "seed-002" in output
    assert "2021-09-16" in output and "2021-08-23" in output
    assert "Afghanistan denies link to train attack in Pakistan" in output
    assert "The Afghan Taliban have rejected Pakistan's allegation" in output
    for boilerplate in ("Sign up for our newsletter", "Follow the money", "Share on Facebook"):
        assert boilerplate not in output
    assert (tmp_path / "demo.db").is_file()
    passwords = _demo_people(done.stdout, tmp_path / "demo.db")
    again = subprocess.run(
        [sys.executable, "-m", "outpost", "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0  # a fresh database each time: nothing is a duplicate
    assert set(_printed_passwords(again.stdout).values()).isdisjoint(passwords.values())


def _printed_passwords(stdout: str) -> dict[str, str]:
    """username -> password, as the demo's people table prints them."""
    rows = re.findall(r"^│ ([a-z.]+) +│ [^│]+│ [a-z]+ +│ (\S+) +│$", stdout, re.M)
    return dict(rows)


def _demo_people(stdout: str, path: Path) -> dict[str, str]:
    """The demo's organisations and users are in its store, and each printed password signs
    its user in, as the organisation and role the table says."""
    passwords = _printed_passwords(stdout)
    assert set(passwords) == {u.username for u in USERS}, stdout[-3000:]
    url = sqlite_url(path)
    ctx = Context(connect(url), Settings(data_dir=path.parent, database_url=url), operator())
    assert {o.code for o in list_orgs(ctx)} == {"crc", "kz-knb", "tj-gkn"}
    for user in USERS:
        who = authenticate(ctx, user.username, passwords[user.username])
        assert (who.org, who.role) == (user.org, user.role)
    with pytest.raises(SignInRefusedError):
        authenticate(ctx, "kz.analyst", passwords["tj.analyst"])
    ctx.engine.dispose()
    return passwords


@pytest.mark.slow
def test_demo_serves_the_dashboard_with_a_token_until_stopped(tmp_path: Path) -> None:
    env = {**os.environ, "OUTPOST_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    env.pop("OUTPOST_DATABASE_URL", None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "outpost", "demo", "--port", str(port)]
    demo = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        said = ""
        assert demo.stderr is not None
        while "Sign in with the token" not in said:  # printed once the store is loaded
            line = demo.stderr.readline().decode()
            assert line, f"the demo ended: {said}"
            said += line
        token = re.search(r"op_[A-Za-z0-9_-]+", said.split("Sign in with the token")[1])
        assert token and f"http://127.0.0.1:{port}/" in said
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            time.sleep(0.5)
        headers = {"Authorization": f"Bearer {token.group()}"}
        alerts = httpx.get(f"{base}/api/v1/alerts", headers=headers).json()
        assert alerts["total"] == 6  # the sample rules' alerts of the demo
        assert httpx.get(f"{base}/signin").status_code == 200  # the dashboard is served
    finally:
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    if "--json" in args:
        return result.exit_code, result.stdout
    return result.exit_code, " ".join(result.stdout.split())  # Rich wraps lines at 80 columns


def test_ingest_then_list_search_stats_as_json(cli_env: dict[str, str], tmp_path: Path) -> None:
    code, out = invoke(cli_env, "ingest", str(EXAMPLES), "--json")
    assert code == 0 and json.loads(out)["new"] == 8
    _, out = invoke(cli_env, "stats", "--json")
    stats = json.loads(out)
    assert stats["articles"] == 8 and stats["near_duplicates"] == 0 and stats["failures"] == 0
    assert stats["by_lang"] == {"en": 7, "ru": 1}
    _, out = invoke(cli_env, "articles", "--json", "--since", "2021-09-01", "--until", "2021-12-31")
    assert [a["external_id"] for a in json.loads(out)] == ["seed-000"]
    _, out = invoke(cli_env, "search", "drug trafficking", "--json")
    assert {a["external_id"] for a in json.loads(out)} == {"seed-000", "seed-002"}
    code, out = invoke(cli_env, "article", "seed-002")
    assert code == 0 and "Stanislav Zas" in out
    code, _ = invoke(cli_env, "article", "no-such-article")
    assert code == 1


def test_failures_set_the_exit_status_and_are_listed(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "1", "text": "A clash was reported at the border."}) + "\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, out = invoke(cli_env, "ingest", str(good), str(bad), str(tmp_path / "missing.txt"))
    assert code == 1
    assert "binary" in out and "no such file" in out
    _, out = invoke(cli_env, "ingest-errors", "--json")
    reasons = {Path(e["locator"]).name: e["reason"] for e in json.loads(out)}
    assert set(reasons) == {"bad.txt", "missing.txt"}
    _, out = invoke(cli_env, "stats", "--json")
    assert json.loads(out)["articles"] == 1 and json.loads(out)["failures"] == 2


def test_bad_settings_are_named(tmp_path: Path) -> None:
    env = {"OUTPOST_DATA_DIR": str(tmp_path), "OUTPOST_FETCH_TIMEOUT": "soon"}
    result = runner.invoke(app, ["stats"], env=env)
    assert result.exit_code == 2 and "fetch_timeout" in result.stderr
