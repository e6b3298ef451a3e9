"""Hostile input for the readers and the dedup keys: whatever a file or a field holds, a reader
gives drafts and failures (only `ItemError` may travel inside it), and the keys are stable.

Sources are scraped, exported and hand-edited; one odd item must never stop a batch.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from outpost import dedup
from outpost.ingest.files import decode, draft_from_object, read_file
from outpost.ingest.telegram import flatten
from outpost.records import Draft, Failure
from outpost.values import ItemError, multi_line, parse_time, single_line

# Modest budgets: the whole file should run well under a minute.
HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(max_examples=200, deadline=None)

# --- strategies ----------------------------------------------------------------------------


def hostile_text(max_size: int) -> st.SearchStrategy[str]:
    """Any text, lone surrogates included: JSON can carry them as escapes like \\ud800."""
    return st.text(st.characters() | st.characters(categories=["Cs"]), max_size=max_size)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: json.loads accepts them
    | hostile_text(40)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
times = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(),
    st.floats(),
    st.datetimes().map(datetime.isoformat),
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
    st.builds(
        lambda d, minutes: d.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
        st.datetimes(),
        st.integers(-23 * 60, 23 * 60),
    ),
    st.from_regex(r"\A\d{1,5}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:?\d{2})?\Z"),
    st.sampled_from(["Thu, 16 Sep 2021 18:00:00 GMT", "16 September 2021", "0", "-1", "1e400"]),
    # Once raised something other than ItemError: out of range in UTC, an offset of 30 hours.
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "1;1;0T00-3000"]),
)
urls = st.one_of(
    st.text(max_size=40),
    st.text(max_size=40).map(lambda s: "https://" + s),
    st.sampled_from(["https://example.org/a", "ftp://example.org", "HTTP://X"]),
)
# Objects shaped like articles, so the field checks are reached and not just the `text` one.
articles = st.fixed_dictionaries(
    {},
    optional={
        "text": hostile_text(80) | json_values,
        "title": hostile_text(20) | json_values,
        "url": urls | json_values,
        "published": times | json_values,
        "source": hostile_text(20) | json_values,
        "lang": st.sampled_from(["en", "en-US", "ru_RU", "e", "english", "zh-Hans"])
        | st.text(max_size=8)
        | json_values,
        "id": st.text(max_size=10) | st.integers() | json_values,
    },
)
objects = articles | json_values
telegram_texts = st.text(max_size=40) | st.lists(
    st.text(max_size=10)
    | st.fixed_dictionaries({"type": st.text(max_size=8), "text": json_values}),
    max_size=5,
)
telegram_messages = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers() | st.text(max_size=5) | json_values,
        "type": st.sampled_from(["message", "service"]) | json_values,
        "text": telegram_texts | json_values,
        "date": times,
        "date_unixtime": st.from_regex(r"\A[0-9]{1,12}\Z")
        | st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4)  # "²", "٣"
        | st.text(max_size=12)
        | json_values,
    },
)
telegram_exports = st.fixed_dictionaries(
    {"messages": st.lists(telegram_messages | json_values, max_size=5)},
    optional={"name": st.text(max_size=10) | json_values, "type": st.just("public_channel")},
)


def dumped(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def escaped(value: Any) -> bytes:
    return json.dumps(value).encode()  # ASCII, with \uXXXX escapes (lone surrogates too)


# Files that once made a reader raise instead of reporting a failure.
KNOWN_HOSTILE = [
    b"[" * 100_000,  # nested too deep for the JSON parser
    b'{"text": "x", "n": ' + b"1" * 5000 + b"}",  # an integer too long to convert
    b'{"text": "a lone \\ud800 surrogate"}',
    b'{"messages": [{"id": 1, "text": "hi", "date_unixtime": "\xc2\xb2"}]}',  # "²".isdigit()
    b'{"text": "x", "published": "0001-01-01T00:00:00+01:00"}',  # before year 1 in UTC
]


# What a file may hold: noise, text in several encodings, JSON of every shape.
file_bytes = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.text(max_size=300).map(lambda s: s.encode("utf-16")),
    st.text(alphabet="абвгдеёжзий клмнопрстуфхцчшщъыьэюя.,", max_size=300).map(
        lambda s: s.encode("cp1251")
    ),
    objects.map(dumped),
    objects.map(escaped),
    telegram_exports.map(dumped),
    telegram_exports.map(escaped),
    st.sampled_from(KNOWN_HOSTILE),
    st.lists(objects.map(dumped) | st.binary(max_size=40), max_size=6).map(b"\n".join),
    st.builds(
        lambda t: f"<html><body><article><p>{t}</p></article></body></html>".encode(),
        st.text(min_size=40, max_size=300),
    ),
)


# --- readers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for all examples: hypothesis cannot use a fresh tmp_path per example."""
    return tmp_path_factory.mktemp("hostile")


def storable(value: str | None) -> bool:
    """Text every store can hold: valid UTF-8 (no lone surrogates) and no NUL (PostgreSQL)."""
    if value is None:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def check_draft(draft: Draft) -> None:
    assert draft.text.strip() and draft.text == draft.text.strip()
    assert isinstance(draft.source, str) and draft.source
    assert isinstance(draft.raw, bytes)
    assert draft.published is None or draft.published.tzinfo is UTC
    for value in (draft.text, draft.source, draft.title, draft.url, draft.lang, draft.external_id):
        assert storable(value), ascii(value)


def check_items(path: Path, items: list[Draft | Failure]) -> None:
    for item in items:
        assert isinstance(item, Draft | Failure)
        assert item.locator.startswith(str(path))
        if isinstance(item, Draft):
            check_draft(item)
        else:
            assert item.reason and "\n" not in item.reason  # one line, shown to a person


@pytest.mark.parametrize("suffix", [".txt", ".html", ".json", ".jsonl"])
@HOSTILE
@given(raw=file_bytes)
def test_read_file_never_raises(scratch: Path, suffix: str, raw: bytes) -> None:
    path = scratch / f"item{suffix}"
    path.write_bytes(raw)
    items = list(read_file(path))
    if suffix in (".txt", ".html"):
        assert len(items) == 1  # one article, or the failure that says why
    check_items(path, items)


@QUICK
@given(obj=objects)
def test_draft_from_object_raises_only_item_error(obj: object) -> None:
    try:
        draft = draft_from_object(obj, "here", b"{}", "application/json", "fallback")
    except ItemError:
        return
    check_draft(draft)


@QUICK
@given(value=json_values | telegram_texts)
def test_telegram_flatten_returns_text(value: object) -> None:
    assert isinstance(flatten(value), str)


# --- values --------------------------------------------------------------------------------


@QUICK
@given(value=times | st.booleans() | json_values)
def test_parse_time_is_utc_none_or_item_error(value: object) -> None:
    try:
        parsed = parse_time(value)
    except ItemError:
        return
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is UTC)


@QUICK
@given(moment=st.datetimes(timezones=st.timezones()))
def test_parse_time_keeps_the_instant_of_aware_iso_text(moment: datetime) -> None:
    try:
        parsed = parse_time(moment.isoformat())
    except ItemError:
        return  # an instant outside what a datetime holds once moved to UTC
    # Compared in UTC: an aware time in a DST gap never equals a time in another zone.
    assert parsed == moment.astimezone(UTC)


# --- dedup ---------------------------------------------------------------------------------

url_like = st.one_of(
    st.text(max_size=60).map(lambda s: "http://" + s),
    # Once not idempotent: a root of "//", an IPv6 host, a path "//x" with no host.
    st.sampled_from(["http://a//", "http://[::1]:8080/x/", "http:////0", "http://u@[::1]/"]),
    st.builds(
        lambda host, port, path, query, frag: f"http://{host}{port}{path}{query}{frag}",
        st.from_regex(r"\A([A-Za-z0-9.-]{0,12}|\[[0-9a-fA-F:]{2,12}\])\Z"),
        st.sampled_from(["", ":80", ":443", ":8080", ":", ":0", ":99999"]),
        st.from_regex(r"\A(/[A-Za-z0-9%._~-]{0,6}){0,3}/?\Z"),
        st.lists(
            st.tuples(
                st.sampled_from(["utm_source", "a", "B", "fbclid", "q", "", "ref"]),
                st.text(max_size=6),
            ),
            max_size=4,
        ).map(lambda pairs: ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""),
        st.sampled_from(["", "#", "#top"]),
    ),
)


@QUICK
@given(url=url_like)
def test_canonical_url_is_idempotent(url: str) -> None:
    try:
        once = dedup.canonical_url(url)
    except ValueError:
        return  # e.g. a port out of range: the caller records the item as a failure
    assert dedup.canonical_url(once) == once
    parts = urlsplit(once)
    assert not parts.fragment
    assert not [k for k, _ in parse_qsl(parts.query) if dedup.TRACKING.match(k)]


@QUICK
@given(text=st.text(max_size=400))
def test_shingles_and_bands_of_any_text(text: str) -> None:
    grams = dedup.shingles(text)
    keys = dedup.bands(grams)
    assert len(keys) in (0, dedup.BANDS)
    assert all(-(2**63) <= k < 2**63 for k in keys)  # fits a BIGINT column
    assert dedup.bands(dedup.shingles(text)) == keys  # identical texts, identical keys
    assert len(dedup.fingerprint(keys)) == (17 * len(keys) - 1 if keys else 0)


@QUICK
@given(words=st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzабвгд", min_size=1), min_size=20))
def test_long_texts_have_all_bands(words: list[str]) -> None:
    text = " ".join(words)
    grams = dedup.shingles(text)
    keys = dedup.bands(grams)
    assert (len(keys) == dedup.BANDS) == (len(grams) >= dedup.MIN_SHINGLES)
    assert dedup.bands(dedup.shingles(text.upper())) == keys  # case does not matter
    if grams:
        assert math.isclose(dedup.jaccard(grams, grams), 1.0)


# --- what may be shown (issue 11) ----------------------------------------------------------

# Text with terminal control sequences mixed in: CSI, OSC (terminated by BEL or ST, or not at
# all), C1 introducers, bidi overrides, line breaks of every kind.
terminal_pieces = st.sampled_from(
    [
        "\x1b[2J",
        "\x1b[31;1m",
        "\x1b]52;c;ZXZpbA==\x07",
        "\x1b]8;;http://e.example/\x1b\\",
        "\x1b]0;title",
        "\x9b2J",
        "\x9d8;;x\x9c",
        "\x1bc",
        "\x1b",
        "\u202e",
        "\u2066",
        "\u200f",
        "\u061c",
        "\r\n",
        "\r",
        "\x85",
        "\u2028",
        "\t",
        "\x7f",
        "\x00",
    ]
)
terminal_text = st.lists(terminal_pieces | st.text(max_size=8), max_size=12).map("".join)
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def showable(text: str, keep: str) -> bool:
    """No control character but those in `keep`, no bidi override."""
    return not any(
        ((ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) and c not in keep) or c in BIDI for c in text
    )


@QUICK
@given(text=terminal_text)
def test_single_line_fields_cannot_drive_a_terminal(text: str) -> None:
    line = single_line(text)
    assert showable(line, keep="")
    assert single_line(line) == line  # stable: stored values and failure locators agree


@QUICK
@given(text=terminal_text)
def test_article_text_keeps_tabs_and_line_breaks_only(text: str) -> None:
    shown = multi_line(text)
    assert showable(shown, keep="\t\n")
    assert multi_line(shown) == shown
    if not set(text) & set("\x1b\x90\x98\x9b\x9d\x9e\x9f"):  # no sequence to drop
        assert [c for c in shown if c.isalnum()] == [c for c in text if c.isalnum()]


@QUICK
@given(text=st.text(min_size=1, max_size=200), cut=st.integers(1, 3))
def test_utf8_cut_anywhere_in_its_last_character_keeps_the_rest(text: str, cut: int) -> None:
    raw = text.encode("utf-8")
    last = len(text[-1].encode("utf-8"))
    assume("\x00" not in text and cut < last)
    try:
        decoded = decode(raw[:-cut])
    except ItemError:
        return  # binary-looking (many control characters): refused whole, never misread
    assert decoded == text[:-1].removeprefix("\ufeff") + "\ufffd"
