"""Settings: read once from an optional TOML file and the environment (the environment wins).

    OUTPOST_DATA_DIR              where the SQLite database and state live
    OUTPOST_CACHE_DIR             derived files that can be rebuilt (the gazetteer index);
                                  default $XDG_CACHE_HOME/outpost or ~/.cache/outpost
    OUTPOST_DATABASE_URL          e.g. postgresql+psycopg://user@host/db (default: SQLite file)
    OUTPOST_CONFIG                a TOML file; default: <data dir>/outpost.toml if it exists
    OUTPOST_FETCH_TIMEOUT         seconds per request (connect, read, write)
    OUTPOST_FETCH_MAX_BYTES       cap on a response body
    OUTPOST_FETCH_MAX_REDIRECTS   cap on redirects followed
    OUTPOST_FETCH_PROXY           an HTTP(S) proxy for all fetches (proxy variables such as
                                  HTTPS_PROXY are not read: a proxy is a deliberate setting)
    OUTPOST_FETCH_ALLOW_NETWORKS  comma-separated CIDRs that may be connected to although private,
                                  loopback or link-local (e.g. 127.0.0.0/8,::1/128); the one
                                  address policy of fetches, webhooks and the mail server
    OUTPOST_FETCH_DEADLINE        seconds one request may take in all, headers and body
    OUTPOST_FEED_MAX_ENTRIES      entries of one feed read per run (the rest wait for the next)
    OUTPOST_FEED_MAX_PAGES        pages one feed may have fetched per run
    OUTPOST_PARSE_TIMEOUT         seconds the extraction of one HTML page may take
    OUTPOST_PARSE_MAX_MEMORY      bytes of memory the extraction of one HTML page may use
    OUTPOST_ARTICLE_MAX_CHARS     characters of text an article may have (longer is refused)
    OUTPOST_STATEMENT_TIMEOUT     seconds one database statement may run
    OUTPOST_UPLOAD_MAX_BYTES      cap on one file uploaded to the API, and on one upload request
    OUTPOST_REQUIRE_ADMIN_TOTP    true: administrators sign in only with a TOTP code as well
                                  (true/false, yes/no, 1/0, on/off; default false)
    OUTPOST_PASSWORD_MEMORY_KIB   argon2id memory per password hash, KiB (default 65536)
    OUTPOST_PASSWORD_TIME_COST    argon2id passes (default 3)
    OUTPOST_PASSWORD_LANES        argon2id lanes (default 4); a hash made with other values
                                  is made again at its next sign-in
    OUTPOST_WATCHED_REGION        comma-separated ISO 3166 codes of the countries and
                                  first-level divisions watched in depth: every town there is
                                  looked for in any script (default: the CSTO's members,
                                  Afghanistan, Uzbekistan, Turkmenistan, and the provinces of
                                  Pakistan and China that border them)

The TOML file uses the same names without the prefix, in lower case, e.g.
`fetch_allow_networks = ["10.1.0.0/16"]`.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_networks: tuple[IPNetwork, ...] = ()
    proxy: str | None = None
    user_agent: str = "Outpost/0.1 (+open-source early-warning platform)"
    deadline: float = 60.0  # one request in all: connection, headers, body, every redirect
    max_entries: int = 200  # feed entries read per run
    max_pages: int = 50  # pages fetched for one feed per run


@dataclass(frozen=True)
class Limits:
    """The budget of one item: what a hostile source can make one article cost."""

    parse_seconds: float = 20.0  # extracting one HTML page
    parse_memory: int = 1024 * 1024 * 1024  # bytes, the same
    article_chars: int = 1_000_000  # text of one article; a longer one is refused


@dataclass(frozen=True)
class PasswordCost:
    """argon2id's work per password hash: RFC 9106's second recommended set by default. A
    deployment on small machines may lower it; the tests do, since each hash costs 0.3 s."""

    memory_kib: int = 65536
    time_cost: int = 3
    lanes: int = 4


@dataclass(frozen=True)
class FeedSource:
    """A feed `outpost watch` polls, every `interval` seconds."""

    url: str
    interval: float = 300.0


# The alliance's members, the neighbours it watches, and the provinces of Pakistan and China
# on their borders (Khyber Pakhtunkhwa, Balochistan, Gilgit-Baltistan, Xinjiang).
WATCHED_REGION = (
    *("AM", "BY", "KZ", "KG", "RU", "TJ"),
    *("AF", "UZ", "TM"),
    *("PK-KP", "PK-BA", "PK-GB", "CN-XJ"),
)
REGION_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    fetch: FetchSettings = field(default_factory=FetchSettings)
    cache_dir: Path = field(default_factory=lambda: default_cache_dir(os.environ))
    feeds: tuple[FeedSource, ...] = ()
    limits: Limits = field(default_factory=Limits)
    statement_timeout: float = 30.0  # seconds one database statement may run
    rules: Path | None = None  # the watch-rule file (`rules` in the file, OUTPOST_RULES)
    upload_max_bytes: int = 50 * 1024 * 1024  # one uploaded file, and one upload request
    require_admin_totp: bool = False  # administrators need a second factor to sign in
    password_cost: PasswordCost = field(default_factory=PasswordCost)
    watched_region: tuple[str, ...] = WATCHED_REGION

    def with_database(self, url: str) -> Settings:
        return replace(self, database_url=url)


def default_data_dir(env: Mapping[str, str]) -> Path:
    if env.get("OUTPOST_DATA_DIR"):
        return Path(env["OUTPOST_DATA_DIR"]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "outpost"


def default_cache_dir(env: Mapping[str, str]) -> Path:
    if env.get("OUTPOST_CACHE_DIR"):
        return Path(env["OUTPOST_CACHE_DIR"]).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "outpost"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = default_data_dir(env)
    values = _read_file(env, data_dir)
    for key, value in env.items():
        if key.startswith("OUTPOST_"):
            values[key.removeprefix("OUTPOST_").lower()] = value
    fetch = FetchSettings(
        timeout=_number(values, "fetch_timeout", 20.0),
        max_bytes=int(_number(values, "fetch_max_bytes", 10 * 1024 * 1024)),
        max_redirects=int(_number(values, "fetch_max_redirects", 5)),
        allow_networks=_networks(values.get("fetch_allow_networks", ())),
        proxy=_proxy(values.get("fetch_proxy")),
        deadline=_number(values, "fetch_deadline", 60.0),
        max_entries=int(_number(values, "feed_max_entries", 200)),
        max_pages=int(_number(values, "feed_max_pages", 50)),
    )
    limits = Limits(
        parse_seconds=_number(values, "parse_timeout", 20.0),
        parse_memory=int(_number(values, "parse_max_memory", 1024 * 1024 * 1024)),
        article_chars=int(_number(values, "article_max_chars", 1_000_000)),
    )
    url = str(values.get("database_url") or sqlite_url(data_dir / "outpost.db"))
    return Settings(
        data_dir,
        url,
        fetch,
        default_cache_dir(env),
        _feeds(values.get("feeds", ())),
        limits,
        _number(values, "statement_timeout", 30.0),
        _path(values.get("rules")),
        int(_number(values, "upload_max_bytes", 50 * 1024 * 1024)),
        _flag(values, "require_admin_totp", False),
        _password_cost(values),
        _region(values.get("watched_region", WATCHED_REGION)),
    )


def _region(raw: object) -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 or 3166-2 codes, from a list in the file or "KZ,KG,PK-KP"."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise SettingsError(f"watched_region: expected a list of ISO codes, got {raw!r}")
    codes = tuple(dict.fromkeys(str(item).strip().upper() for item in items if str(item).strip()))
    bad = [code for code in codes if not REGION_CODE.match(code)]
    if bad or not codes:
        raise SettingsError(
            f"watched_region: expected ISO 3166 codes such as KZ or PK-KP, got {bad or raw!r}"
        )
    return codes


def _feeds(raw: object) -> tuple[FeedSource, ...]:
    """`[[feeds]]` tables (url, interval) in the file, or OUTPOST_FEEDS="url,url"."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise SettingsError(f"feeds: expected a list of feeds, got {raw!r}")
    found = []
    for item in items:
        spec = {"url": item.strip()} if isinstance(item, str) else item
        if not isinstance(spec, dict) or not str(spec.get("url", "")).startswith(
            ("http://", "https://")
        ):
            raise SettingsError(f"feeds: each feed needs an http(s) url, got {item!r}")
        found.append(FeedSource(str(spec["url"]), _number(spec, "interval", 300.0)))
    return tuple(f for f in found if f.url)


def _path(raw: object) -> Path | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str | Path):
        raise SettingsError(f"rules: expected a file name, got {raw!r}")
    return Path(raw).expanduser()


def _read_file(env: Mapping[str, str], data_dir: Path) -> dict[str, Any]:
    path = Path(env["OUTPOST_CONFIG"]) if env.get("OUTPOST_CONFIG") else data_dir / "outpost.toml"
    if not path.is_file():
        if env.get("OUTPOST_CONFIG"):
            raise SettingsError(f"OUTPOST_CONFIG: no such file: {path}")
        return {}
    try:
        values = dict(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    rules = values.get("rules")
    if isinstance(rules, str) and rules and not Path(rules).expanduser().is_absolute():
        values["rules"] = str(path.parent / rules)  # as written in the file: next to it
    return values


def _number(values: Mapping[str, Any], key: str, default: float) -> float:
    raw = values.get(key, default)
    try:
        number = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise SettingsError(f"{key}: expected a number, got {raw!r}") from None
    if not math.isfinite(number):  # nan passes every comparison below, inf never times out
        raise SettingsError(f"{key}: expected a finite number, got {raw!r}")
    if number <= 0:
        raise SettingsError(f"{key}: must be positive, got {raw!r}")
    return number


def _password_cost(values: Mapping[str, Any]) -> PasswordCost:
    cost = PasswordCost(
        memory_kib=_whole(values, "password_memory_kib", 65536),
        time_cost=_whole(values, "password_time_cost", 3),
        lanes=_whole(values, "password_lanes", 4),
    )
    if cost.memory_kib < 8 * cost.lanes:  # argon2's own floor
        raise SettingsError(
            f"password_memory_kib: must be at least 8 KiB per lane ({8 * cost.lanes}), "
            f"got {cost.memory_kib}"
        )
    return cost


def _whole(values: Mapping[str, Any], key: str, default: int) -> int:
    number = _number(values, key, default)
    if number != int(number):
        raise SettingsError(f"{key}: expected a whole number, got {values.get(key)!r}")
    return int(number)


TRUE = ("true", "yes", "1", "on")
FALSE = ("false", "no", "0", "off", "")


def _flag(values: Mapping[str, Any], key: str, default: bool) -> bool:
    """A TOML boolean, or the text of an environment variable; anything else is refused (a
    mistyped "ture" must not quietly mean false)."""
    raw = values.get(key, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise SettingsError(f"{key}: expected true or false, got {raw!r}")


def _networks(raw: object) -> tuple[IPNetwork, ...]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)  # type: ignore[call-overload]
    networks = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise SettingsError(f"fetch_allow_networks: not a network: {text!r}") from None
    return tuple(networks)


def _proxy(raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    if not text.startswith(("http://", "https://", "socks5://")):
        raise SettingsError(
            f"fetch_proxy: expected an http://, https:// or socks5:// URL: {text!r}"
        )
    return text
