"""Safe fetching over HTTP(S): one deadline for the whole request, time-outs, a body size cap, a
redirect cap, http/https only, and no private, loopback or link-local addresses unless the
settings allow their network.

`Fetcher.get` is a strict boundary: whatever the remote side sends (a URL, a redirect, a status
line, headers, a body) and whatever validators a feed once sent that are sent back, it returns
a Response or raises FetchError with a one-line reason, nothing else.

Addresses are checked for every hop of a redirect chain by the one address policy
(`outpost.addresses`), which webhooks and mail follow too.
"""

from __future__ import annotations

import math
import re
import ssl
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin

import httpcore
import httpx

from outpost.addresses import SCHEMES, AddressError, check_host, check_url, split_url
from outpost.config import FetchSettings
from outpost.values import ItemError

REDIRECTS = {301, 302, 303, 307, 308}
RETRY_STATUSES = {429, 503}  # the statuses whose Retry-After says when to come back
MAX_RETRY_AFTER = 86_400.0  # a day: a source cannot park a feed for longer
# RFC 9110 field names are tokens; values we send are visible ASCII with inner blanks only,
# which h11 and every server accept. Validators come from the remote side, so they are checked.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
SENDABLE_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?")
MAX_HEADER_VALUE = 1024
DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII only: str.isdigit also accepts '²', int() does not


class FetchError(ItemError):
    """A URL that could not be fetched safely. `retry_after` is how many seconds the server
    asked us to wait (a 429 or 503 with a Retry-After header), else None."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def retry_after_seconds(value: str, now: datetime) -> float | None:
    """Seconds from `now` a Retry-After value (delta-seconds or an HTTP-date) asks for, capped
    at a day; a date in the past is 0; None when the value cannot be read."""
    text = value.strip()
    if text.isascii() and text.isdigit():
        # A long digit string is capped before int() (which refuses over 4300 digits).
        return MAX_RETRY_AFTER if len(text) > 6 else min(float(int(text)), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # RFC 9110 dates are GMT; asctime dates and "-0000" parse as naive
    when, now = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (when, now))
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER)


def sendable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers that can be sent as they are; the rest (non-ASCII, control characters such
    as CR/LF, overlong) are dropped: a feed then just gets an unconditional GET."""
    return {
        name: value
        for name, value in headers.items()
        if TOKEN.fullmatch(name)
        and len(value) <= MAX_HEADER_VALUE
        and SENDABLE_VALUE.fullmatch(value)
    }


class _Clock(threading.local):
    """The deadline of the request running in this thread (a Fetcher may be shared)."""

    deadline = math.inf

    def bound(self, timeout: float | None) -> float:
        """`timeout` shortened to the time left, so no single socket operation outlives the
        deadline however the server paces its bytes."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the fetch deadline has passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, clock: _Clock) -> None:
        self.inner = inner
        self.clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self.clock.bound(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.clock.bound(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self.inner.start_tls(ssl_context, server_hostname, self.clock.bound(timeout))
        return _DeadlineStream(tls, self.clock)

    def get_extra_info(self, info: str) -> object:
        return self.inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sockets, each operation bounded by the clock: httpx's time-outs apply to one
    read at a time, so a server dripping a header byte every half second would never end."""

    def __init__(self, clock: _Clock) -> None:
        self.inner = httpcore.SyncBackend()
        self.clock = clock

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self.inner.connect_tcp(
            host, port, self.clock.bound(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self.clock)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self.inner.connect_unix_socket(path, self.clock.bound(timeout), socket_options)
        return _DeadlineStream(stream, self.clock)

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _transport(proxy: str | None, clock: _Clock) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(proxy=proxy, trust_env=False)
    # httpx takes no network backend, but its pool (direct, HTTP or SOCKS proxy alike) is an
    # httpcore ConnectionPool that opens every connection through `_network_backend`.
    # tests/test_hostile_http.py fails if this stops bounding the request.
    transport._pool._network_backend = _DeadlineBackend(clock)
    return transport


@contextmanager
def bounded_client(timeout: float, deadline: float) -> Iterator[httpx.Client]:
    """A client (no redirects, no proxy or certificates from the environment) whose requests
    must all end within `deadline` seconds from now, in the thread that opened it: webhooks use
    it, so a receiver that drips its answer costs `deadline` at most."""
    clock = _Clock()
    clock.deadline = time.monotonic() + deadline
    transport = _transport(None, clock)
    with httpx.Client(
        timeout=timeout, trust_env=False, follow_redirects=False, transport=transport
    ) as client:
        yield client


class Fetcher:
    """One HTTP client for a run; use as a context manager."""

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self._clock = _Clock()
        self.client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,  # followed by hand, so every hop is checked
            headers={"User-Agent": settings.user_agent},
            transport=_transport(settings.proxy, self._clock),
            trust_env=False,  # no proxy or certificate paths from the environment by surprise
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.client.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET with redirects followed safely, all within the deadline; 2xx and 304 are
        returned, anything else raises FetchError."""
        sendable = sendable_headers(headers or {})
        self._clock.deadline = time.monotonic() + self.settings.deadline
        try:
            return self._follow(url, sendable)
        finally:
            self._clock.deadline = math.inf

    def _follow(self, url: str, headers: Mapping[str, str]) -> Response:
        start = url  # `url` moves along the chain; the reason must name where it began
        for _ in range(self.settings.max_redirects + 1):
            target = self.target(url)
            response = self._get_once(target, url, headers)
            location = response.headers.get("location")
            if response.status in REDIRECTS and location:
                url = _redirect(url, location)
                continue
            return _final(response, url)
        raise FetchError(
            f"more than {self.settings.max_redirects} redirects from {start} (the last to {url})"
        )

    def check_address(self, url: str) -> None:
        self.target(url)

    def target(self, url: str) -> httpx.URL:
        """`url` as httpx will request it, once both it and the address policy accept it.

        The policy reads URLs with urllib, httpx with its own parser; the host httpx will
        connect to is checked as well as urllib's, so a URL the two read differently cannot
        slip a private host past the check."""
        shown = url[:200]
        try:
            check_url(url, self.settings.allow_networks)
            parsed = httpx.URL(url)
            host = parsed.host  # decodes IDNA: may raise UnicodeError
            if parsed.scheme not in SCHEMES or not host:
                raise AddressError(f"invalid URL {shown!r}: no http(s) host in it")
            if (host, parsed.port) != split_url(url):  # else already checked
                check_host(host, parsed.port, self.settings.allow_networks, shown)
        except AddressError as exc:
            raise FetchError(str(exc)) from None
        except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError is a ValueError
            raise FetchError(f"invalid URL {shown!r}: {exc}") from None
        return parsed

    def _get_once(self, target: httpx.URL, url: str, headers: Mapping[str, str]) -> Response:
        try:
            with self.client.stream("GET", target, headers=dict(headers)) as r:
                body = self._read_body(r, url)
                lowered = {k.lower(): v for k, v in r.headers.items()}
                return Response(str(r.url), r.status_code, lowered, body)
        except httpx.TimeoutException:
            raise self._timed_out(url) from None
        # HTTPError covers every transport and protocol failure (h11's included) and bad
        # encodings; InvalidURL and ValueError (IDNAError, UnicodeEncodeError) are what
        # httpx raises for a host or header it cannot encode.
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise FetchError(f"could not fetch {url}: {type(exc).__name__}: {exc}") from None

    def _read_body(self, r: httpx.Response, url: str) -> bytes:
        limit = self.settings.max_bytes
        declared = r.headers.get("content-length", "")
        if DIGITS.fullmatch(declared) and int(declared) > limit:
            raise FetchError(f"body of {url} is {declared} bytes, over the {limit} cap")
        body = bytearray()
        for chunk in r.iter_bytes():
            body.extend(chunk)
            if len(body) > limit:
                raise FetchError(f"body of {url} is over the {limit}-byte cap")
        return bytes(body)

    def _timed_out(self, url: str) -> FetchError:
        if time.monotonic() >= self._clock.deadline:
            return FetchError(
                f"{url} took longer than {self.settings.deadline:g}s (the fetch deadline)"
            )
        return FetchError(f"timed out after {self.settings.timeout:g}s: {url}")


def _redirect(url: str, location: str) -> str:
    try:
        return urljoin(url, location)
    except ValueError as exc:  # e.g. "Invalid IPv6 URL" for http://[::1
        raise FetchError(f"invalid redirect from {url} to {location[:200]!r}: {exc}") from None


def _final(response: Response, url: str) -> Response:
    """The response of the last hop, or FetchError when it is not content or a 304."""
    if 200 <= response.status < 300 or response.status == 304:
        return response
    retry_after = None
    if response.status in RETRY_STATUSES and "retry-after" in response.headers:
        retry_after = retry_after_seconds(response.headers["retry-after"], datetime.now(UTC))
    if response.status in REDIRECTS:
        raise FetchError(f"HTTP {response.status} from {url} without a Location to follow")
    raise FetchError(f"HTTP {response.status} from {url}", retry_after)
