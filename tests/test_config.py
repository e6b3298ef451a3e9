"""Settings from a TOML file and the environment; bad values are named."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from outpost.config import SettingsError, load_settings


def test_defaults_live_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"OUTPOST_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'outpost.db'}"
    assert settings.fetch.allow_networks == () and settings.fetch.proxy is None


def test_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "outpost.toml").write_text(
        'fetch_timeout = 5\nfetch_allow_networks = ["10.20.0.0/16"]\n'
        'database_url = "postgresql://db/outpost"\n'
    )
    env = {"OUTPOST_DATA_DIR": str(tmp_path), "OUTPOST_FETCH_TIMEOUT": "7.5"}
    settings = load_settings(env)
    assert settings.fetch.timeout == 7.5  # the environment wins
    assert settings.fetch.allow_networks == (ipaddress.ip_network("10.20.0.0/16"),)
    assert settings.database_url == "postgresql://db/outpost"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OUTPOST_FETCH_TIMEOUT", "soon", "fetch_timeout: expected a number"),
        ("OUTPOST_FETCH_MAX_BYTES", "-1", "fetch_max_bytes: must be positive"),
        # nan passes every comparison (a time-out that never fires), inf never times out
        ("OUTPOST_FETCH_TIMEOUT", "nan", "fetch_timeout: expected a finite number"),
        ("OUTPOST_FETCH_DEADLINE", "inf", "fetch_deadline: expected a finite number"),
        ("OUTPOST_STATEMENT_TIMEOUT", "-inf", "statement_timeout: expected a finite number"),
        ("OUTPOST_FEED_MAX_ENTRIES", "0", "feed_max_entries: must be positive"),
        ("OUTPOST_PARSE_MAX_MEMORY", "1e999", "parse_max_memory: expected a finite number"),
        ("OUTPOST_FETCH_ALLOW_NETWORKS", "127.0.0.0/8, intranet", "not a network: 'intranet'"),
        ("OUTPOST_FETCH_PROXY", "proxy.local:3128", "fetch_proxy: expected an http://"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"OUTPOST_DATA_DIR": str(tmp_path), name: value})


def test_budget_settings_are_read(tmp_path: Path) -> None:
    env = {
        "OUTPOST_DATA_DIR": str(tmp_path),
        "OUTPOST_FETCH_DEADLINE": "12.5",
        "OUTPOST_FEED_MAX_PAGES": "7",
        "OUTPOST_PARSE_TIMEOUT": "3",
        "OUTPOST_ARTICLE_MAX_CHARS": "5000",
        "OUTPOST_STATEMENT_TIMEOUT": "4",
    }
    settings = load_settings(env)
    assert (settings.fetch.deadline, settings.fetch.max_pages) == (12.5, 7)
    assert (settings.limits.parse_seconds, settings.limits.article_chars) == (3.0, 5000)
    assert settings.statement_timeout == 4.0


def test_broken_config_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text("fetch_timeout = = 3")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings({"OUTPOST_DATA_DIR": str(tmp_path), "OUTPOST_CONFIG": str(path)})
    with pytest.raises(SettingsError, match="no such file"):
        load_settings({"OUTPOST_CONFIG": str(tmp_path / "missing.toml")})
