"""Hostile HTTP against the fetcher: whatever a server sends, Fetcher.get returns a Response or
raises FetchError with a one-line reason, within the deadline.

Every attack is replayed by a real server on loopback (tests/loopback_site.py), most of them as
raw bytes written verbatim, so the fetcher meets them on a real socket. Hostile URLs only name
IP literals, localhost or hosts that cannot be encoded: nothing is looked up in DNS.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outpost.config import FetchSettings
from outpost.ingest.web import Fetcher, FetchError, Response, retry_after_seconds
from tests.loopback_site import Reply, Site, serve

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
FAST = FetchSettings(allow_networks=LOOPBACK, timeout=1.0, deadline=2.0, max_redirects=2)
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def fetch(url: str, headers: dict[str, str] | None = None, **changes: float) -> Response:
    with Fetcher(replace(FAST, **changes)) as fetcher:
        return fetcher.get(url, headers)


def refused(url: str, **changes: float) -> FetchError:
    """The FetchError fetching `url` raises; its reason is one line."""
    with pytest.raises(FetchError) as caught:
        fetch(url, **changes)
    assert "\n" not in str(caught.value) and "\r" not in str(caught.value)
    return caught.value


# The deadline bounds the whole request ------------------------------------------------------

DRIPPED_HEADERS = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 40 + b"\r\n\r\n"


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw=DRIPPED_HEADERS, chunk_size=1, drip=0.5),  # a header byte every 0.5 s
        Reply(raw=b"HTTP/1.1 100 Continue\r\n\r\n" * 40, chunk_size=5, drip=0.3),  # endless 1xx
    ],
    ids=["header-drip", "informational-flood"],
)
def test_slow_headers_are_cut_off_at_the_deadline(site: Site, reply: Reply) -> None:
    site.routes["/drip"] = reply
    began = time.monotonic()

    error = refused(site.url("/drip"))

    elapsed = time.monotonic() - began
    assert "took longer than 2s (the fetch deadline)" in str(error)
    assert 1.9 <= elapsed <= 3.0


def test_the_deadline_covers_every_redirect_hop_together(site: Site) -> None:
    # Each hop answers well within the 1 s time-out; four of them do not fit in 2 s.
    for hop in range(4):
        site.routes[f"/hop{hop}"] = Reply(302, headers={"Location": f"/hop{hop + 1}"}, delay=0.7)
    site.routes["/hop4"] = Reply(200, b"never reached")
    began = time.monotonic()

    error = refused(site.url("/hop0"), max_redirects=5)

    assert "(the fetch deadline)" in str(error)
    assert time.monotonic() - began <= 3.0
    assert site.hits("/hop4") == 0


@contextmanager
def tls_dripper() -> Iterator[int]:
    """A TCP server on loopback that answers a TLS handshake with a record header announcing
    16 KiB, then one byte of it every 0.3 s: the handshake never ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            try:
                conn.sendall(b"\x16\x03\x03\x40\x00")
                while not stop.wait(0.3):
                    conn.sendall(b"\x02")
            except OSError:  # the client hung up, as it should
                pass

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


def test_a_dripped_tls_handshake_is_cut_off_at_the_deadline() -> None:
    with tls_dripper() as port:
        began = time.monotonic()
        # Python bounds a whole handshake by the socket time-out: a long one shows that the
        # deadline, not the time-out, is what ends it.
        error = refused(f"https://127.0.0.1:{port}/", timeout=10.0)
        elapsed = time.monotonic() - began

    assert "took longer than 2s (the fetch deadline)" in str(error)
    assert 1.9 <= elapsed <= 3.0


def test_a_fetch_after_a_missed_deadline_gets_its_own(site: Site) -> None:
    site.routes["/slow"] = Reply(raw=DRIPPED_HEADERS, chunk_size=1, drip=0.5)
    site.routes["/fine"] = Reply(raw=OK)
    with Fetcher(FAST) as fetcher:
        with pytest.raises(FetchError, match="deadline"):
            fetcher.get(site.url("/slow"))
        assert fetcher.get(site.url("/fine")).body == b"ok"


# Hostile URLs and redirects ----------------------------------------------------------------

HOSTILE_LOCATIONS = {
    "port-out-of-range": "http://127.0.0.1:99999/",
    "port-not-a-number": "http://127.0.0.1:abc/",
    "unclosed-ipv6": "http://[::1",
    "ipv6-garbage": "http://[zz]/",
    "idna-invalid-a-label": "http://xn--zz.xn--zz/",
    "empty-label": "http://\u00e9..example/",
    "label-too-long": "http://" + "a" * 300 + ".example/",
    "private-target": "http://10.0.0.1/",
    "metadata-target": "http://169.254.169.254/latest/meta-data/",
    "mapped-private": "http://[::ffff:10.0.0.1]/",
    "other-scheme": "gopher://127.0.0.1:70/",
    "no-host": "http:///nowhere",
}


@pytest.mark.parametrize("location", HOSTILE_LOCATIONS.values(), ids=HOSTILE_LOCATIONS.keys())
def test_hostile_redirects_are_a_fetch_error(site: Site, location: str) -> None:
    site.routes["/moved"] = Reply(302, headers={"Location": location})

    refused(site.url("/moved"))


@pytest.mark.parametrize("location", HOSTILE_LOCATIONS.values(), ids=HOSTILE_LOCATIONS.keys())
def test_hostile_urls_are_a_fetch_error_before_any_request(site: Site, location: str) -> None:
    before = len(site.requests)

    refused(location)

    assert len(site.requests) == before


@pytest.mark.parametrize(
    "location",
    [b"http://\xc3\xa9..example/", b"http://\xff\xfe/", b"http://127.0.0.1:1\x00/"],
    ids=["utf8-bad-host", "latin1-host", "nul-in-host"],
)
def test_raw_non_ascii_locations_are_a_fetch_error(site: Site, location: bytes) -> None:
    site.routes["/raw-moved"] = Reply(
        raw=b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n"
    )

    refused(site.url("/raw-moved"))


def test_control_characters_in_a_url_are_refused(site: Site) -> None:
    error = refused(site.url("/a\r\nX-Injected: 1"))

    assert "control characters" in str(error)
    assert not [r for r in site.requests if "x-injected" in r.headers]


# Malformed responses -------------------------------------------------------------------------

MALFORMED = {
    "empty": b"",
    "not-http": b"garbage\r\n\r\n",
    "status-too-long": b"HTTP/1.1 20000 OK\r\n\r\n",
    "status-letters": b"HTTP/1.1 2x0 OK\r\n\r\n",
    "header-without-colon": b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
    "header-name-with-space": b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
    "bare-cr-in-value": b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
    "length-not-ascii-digits": b"HTTP/1.1 200 OK\r\nContent-Length: \xc2\xb2\r\n\r\nok",
    "two-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
    "length-longer-than-body": b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nok",
    "bad-chunk-size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n",
    "bad-gzip": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok",
    "huge-header": b"HTTP/1.1 200 OK\r\nX: " + b"a" * 300_000 + b"\r\n\r\n",  # over 100 KiB
    "switching-protocols": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nbytes",
    "status-999": b"HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n",
    "redirect-without-location": b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_responses_are_a_fetch_error(site: Site, raw: bytes) -> None:
    site.routes["/malformed"] = Reply(raw=raw)

    refused(site.url("/malformed"))


def test_non_ascii_header_values_are_read_not_fatal(site: Site) -> None:
    site.routes["/odd"] = Reply(
        raw=b'HTTP/1.1 200 OK\r\nETag: "\xff\xe9t\xc3\xa9"\r\nX-Latin: caf\xe9\r\n'
        b"Content-Length: 2\r\n\r\nok"
    )

    response = fetch(site.url("/odd"))

    assert response.body == b"ok"
    assert response.headers["x-latin"] == "caf\xe9"


# Request headers a feed once sent ------------------------------------------------------------


def test_a_non_ascii_validator_sent_back_is_dropped_and_the_get_is_unconditional(
    site: Site,
) -> None:
    site.routes["/feed"] = Reply(
        raw=b'HTTP/1.1 200 OK\r\nETag: "caf\xc3\xa9"\r\nLast-Modified: Mon, 01 Jan 2024 '
        b"00:00:00 GMT\r\nContent-Length: 2\r\n\r\nok"
    )
    first = fetch(site.url("/feed"))
    validators = {
        "If-None-Match": first.headers["etag"],  # as a feed state would save it
        "If-Modified-Since": first.headers["last-modified"],
    }

    again = fetch(site.url("/feed"), validators)

    assert again.body == b"ok"
    sent = site.requests_for("/feed")[-1].headers
    assert "if-none-match" not in sent
    assert sent["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"  # the good one is kept


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": '"caf\u00e9"'},
        {"If-None-Match": '"a"\r\nX-Injected: 1'},
        {"If-None-Match": '"a"\n'},
        {"If-None-Match": '"a\x00"'},
        {"If-None-Match": '"\udcff"'},
        {"If-None-Match": '"' + "a" * 5000 + '"'},
        {"If-None-Match": " padded "},
        {"If-None\u00e9": "x"},
        {"Bad Name": "x"},
        {"": "x"},
    ],
    ids=[
        "non-ascii",
        "crlf",
        "lf",
        "nul",
        "surrogate",
        "overlong",
        "outer-blanks",
        "non-ascii-name",
        "space-in-name",
        "empty-name",
    ],
)
def test_unsendable_request_headers_are_dropped(site: Site, headers: dict[str, str]) -> None:
    site.routes["/plain"] = Reply(raw=OK)

    response = fetch(site.url("/plain"), {**headers, "If-Match": '"kept"'})

    assert response.body == b"ok"
    sent = site.requests_for("/plain")[-1].headers
    assert "if-none-match" not in sent and "x-injected" not in sent
    assert sent["if-match"] == '"kept"'


# Retry-After ---------------------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("86401", 86400.0),  # capped at a day
        ("9" * 5000, 86400.0),  # longer than int() reads
        ("Sun, 01 Mar 2026 12:01:30 GMT", 90.0),  # IMF-fixdate
        ("Sunday, 01-Mar-26 12:00:10 GMT", 10.0),  # RFC 850
        ("Sun Mar  1 12:00:05 2026", 5.0),  # asctime
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),  # in the past: now
        ("Mon, 01 Mar 2027 12:00:00 GMT", 86400.0),
        ("-5", None),
        ("1.5", None),
        ("\u0661\u0662", None),  # Arabic-Indic digits are not delta-seconds
        ("soon", None),
        ("", None),
        ("Sun, 31 Feb 2026 12:00:00 GMT", None),
        ("Sun, 01 Mar 99999 12:00:00 GMT", None),
    ],
)
def test_retry_after_seconds(value: str, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def test_retry_after_with_a_naive_now_is_read_as_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    assert retry_after_seconds("Sun, 01 Mar 2026 12:00:30 GMT", naive) == 30.0


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (429, "120", 120.0),
        (503, "3600", 3600.0),
        (503, "later", None),
        (429, None, None),
        (500, "120", None),  # only 429 and 503 ask to come back later
    ],
)
def test_fetch_error_carries_retry_after(
    site: Site, status: int, header: str | None, expected: float | None
) -> None:
    site.routes["/busy"] = Reply(status, b"busy", {"Retry-After": header} if header else {})

    error = refused(site.url("/busy"))

    assert f"HTTP {status}" in str(error)
    assert error.retry_after == expected


def test_retry_after_as_a_date_counts_from_now(site: Site) -> None:
    when = datetime.now(UTC) + timedelta(minutes=10)
    date = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    site.routes["/busy-date"] = Reply(503, b"busy", {"Retry-After": date})

    error = refused(site.url("/busy-date"))

    assert error.retry_after is not None
    assert 590 <= error.retry_after <= 600


# Anything a server may send ------------------------------------------------------------------

HOSTS = [
    "127.0.0.1:{port}",  # the same hostile server again: a redirect loop
    "127.0.0.1:1",  # nothing listens
    "[::1]:1",
    "localhost:1",
    "127.0.0.1:99999",
    "127.0.0.1:abc",
    "[::1",
    "[zz]",
    "xn--zz.xn--zz",
    "\u00e9..example",
    "a" * 300 + ".example",
    "10.0.0.1",
    "169.254.169.254",
    "[::ffff:10.0.0.1]",
    "[64:ff9b::a00:1]",
    "0x7f.1",
    "127.0.0.1\x00",
    "",
]
hostile_urls = st.one_of(
    st.builds(
        "{}://{}{}".format,
        st.sampled_from(["http", "https", "HTTP", "file", "gopher", "javascript"]),
        st.sampled_from(HOSTS),
        st.sampled_from(["/h", "/", "", "/h?x=\u00e9", "/%zz", "/../../h", "#frag"]),
    ),
    st.sampled_from(["/h", "h", "//127.0.0.1:1/", "?q", "..", "", " ", "http:", "//[::1", "\\\\x"]),
)
names = st.one_of(
    st.sampled_from(
        [
            "Location",
            "Content-Length",
            "Transfer-Encoding",
            "Content-Encoding",
            "Content-Type",
            "Retry-After",
            "ETag",
            "Connection",
        ]
    ),
    st.text(min_size=0, max_size=12),
)
values = st.one_of(st.text(max_size=40), st.sampled_from(["chunked", "gzip", "0", "-1", "10"]))


@st.composite
def responses(draw: st.DrawFn, port: int) -> bytes:
    """An HTTP response, more or less: any status, any headers, any body, maybe chunked."""
    status = draw(st.integers(100, 999))
    reason = draw(st.text(max_size=10)).encode("utf-8", "surrogatepass")
    lines = [b"HTTP/1.1 %d %s" % (status, reason)]
    for name, value in draw(st.lists(st.tuples(names, values), max_size=6)):
        encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
        lines.append(_encode(name, encoding) + b": " + _encode(value, encoding))
    if draw(st.booleans()):
        location = draw(hostile_urls).replace("{port}", str(port))
        lines.append(b"Location: " + _encode(location, "utf-8"))
    body = draw(st.binary(max_size=300))
    if draw(st.booleans()):
        lines.append(b"Transfer-Encoding: chunked")
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
    elif draw(st.booleans()):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _encode(text: str, encoding: str) -> bytes:
    return (
        text.encode(encoding, "replace")
        if encoding == "latin-1"
        else text.encode("utf-8", "surrogatepass")
    )


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_response_is_a_response_or_a_fetch_error(site: Site, data: st.DataObject) -> None:
    raw = data.draw(st.one_of(responses(site.port), st.binary(max_size=200)), label="raw")
    site.routes["/h"] = Reply(raw=raw)
    began = time.monotonic()

    try:
        response = fetch(site.url("/h"), {"If-None-Match": data.draw(values, label="etag")})
    except FetchError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(response, Response)
        assert 200 <= response.status < 300 or response.status == 304
    assert time.monotonic() - began <= FAST.deadline + 1.0


@settings(max_examples=100, deadline=None)
@given(url=hostile_urls)
def test_any_url_given_is_a_response_or_a_fetch_error(site: Site, url: str) -> None:
    site.routes["/h"] = Reply(raw=OK)
    address = url.replace("{port}", str(site.port))

    try:
        fetch(address)
    except FetchError as error:
        assert "\n" not in str(error)
