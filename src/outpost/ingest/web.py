"""Safe fetching over HTTP(S): time-outs, a body size cap, a redirect cap, http/https only, and
no private, loopback or link-local addresses unless the settings allow their network.

Addresses are checked for every hop of a redirect chain, by resolving the host first. A DNS
answer that changes between that check and httpx's own connection (DNS rebinding) is not
caught; deployments that need that guarantee should fetch through an egress proxy.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from outpost.config import FetchSettings
from outpost.ingest.errors import ItemError

REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(ItemError):
    """A URL that could not be fetched safely."""


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Fetcher:
    """One HTTP client for a run; use as a context manager."""

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self.client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,  # followed by hand, so every hop is checked
            headers={"User-Agent": settings.user_agent},
            proxy=settings.proxy,
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
        """GET with redirects followed safely; 304 is returned, other 4xx/5xx raise FetchError."""
        start = url  # `url` moves along the chain; the reason must name where it began
        for _ in range(self.settings.max_redirects + 1):
            self.check_address(url)
            response = self._get_once(url, headers or {})
            location = response.headers.get("location")
            if response.status in REDIRECTS and location:
                url = urljoin(url, location)
                continue
            if response.status >= 400:
                raise FetchError(f"HTTP {response.status} from {url}")
            return response
        raise FetchError(
            f"more than {self.settings.max_redirects} redirects from {start} (the last to {url})"
        )

    def check_address(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"only http and https URLs are fetched, not {url!r}")
        if not parts.hostname:
            raise FetchError(f"no host in URL {url!r}")
        for address in _resolve(parts.hostname, parts.port):
            if not _public(address) and not any(
                address in net for net in self.settings.allow_networks
            ):
                raise FetchError(
                    f"refused to fetch {url}: {address} is a private, loopback or link-local "
                    "address (allow its network in the fetch_allow_networks setting)"
                )

    def _get_once(self, url: str, headers: Mapping[str, str]) -> Response:
        limit = self.settings.max_bytes
        deadline = time.monotonic() + 3 * self.settings.timeout  # against slow-drip bodies
        try:
            with self.client.stream("GET", url, headers=dict(headers)) as r:
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError(f"body of {url} is {declared} bytes, over the {limit} cap")
                body = bytearray()
                for chunk in r.iter_bytes():
                    body.extend(chunk)
                    if len(body) > limit:
                        raise FetchError(f"body of {url} is over the {limit}-byte cap")
                    if time.monotonic() > deadline:
                        raise FetchError(f"{url} took longer than {3 * self.settings.timeout}s")
                lowered = {k.lower(): v for k, v in r.headers.items()}
                return Response(str(r.url), r.status_code, lowered, bytes(body))
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.settings.timeout}s: {url}") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"could not fetch {url}: {type(exc).__name__}: {exc}") from None


def _resolve(host: str, port: int | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host!r}: {exc}") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        addresses.append(address)
    return addresses


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast
