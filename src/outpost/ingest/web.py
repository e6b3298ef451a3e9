"""Safe fetching over HTTP(S): time-outs, a body size cap, a redirect cap, http/https only, and
no private, loopback or link-local addresses unless the settings allow their network.

Addresses are checked for every hop of a redirect chain by the one address policy
(`outpost.addresses`), which webhooks and mail follow too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin

import httpx

from outpost.addresses import AddressError, check_url
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
        try:
            check_url(url, self.settings.allow_networks)
        except AddressError as exc:
            raise FetchError(str(exc)) from None

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
