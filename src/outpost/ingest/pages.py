"""Main text and metadata of an HTML page (trafilatura for the text, htmldate for the date).

A page is hostile input, so what the parsers are given is bounded first: at most MAX_HTML
bytes, and at most MAX_ATTRIBUTES attributes per element (the HTML parser's time grows with the
square of an element's attribute count: 8,000 attributes took a second, 170,000 minutes).
The time and memory of the extraction itself are bounded by running it in a child process
(parse_budget.py).

A page names its own canonical URL (<link rel=canonical>, og:url), and that URL becomes the
article's identity: a duplicate of it is dropped. So a page may only name a URL on the host it
was fetched from (a leading "www." aside), or a hostile page could claim another site's article
and have the real one dropped as its duplicate; otherwise the fetched URL is the article's.
A local file has no fetched URL to check the claim against: the operator chose the file, so its
canonical is kept as it is (a sidecar `url` overrides it either way).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

import htmldate
import trafilatura

from outpost.values import ItemError, parse_time

MIN_TEXT = 40  # characters: less than this is a page without an article
MAX_HTML = 3 * 1024 * 1024  # bytes given to the parsers (a 9 MB page took 14 s and 500 MB)
MAX_ATTRIBUTES = 64  # per element; real markup has a handful
HTML_LANG = re.compile(rb"<html[^>]*?\slang=[\"']?([A-Za-z]{2,3})\b", re.I)
# One attribute: a separator (space or slash, or none right after a quoted value), a name, an
# optional value. Each part excludes what ends the one before, so a failed match backtracks in
# linear time, never splitting a name two ways.
ATTRIBUTE = rb"""(?:[\s/]+|(?<=["']))[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?"""
CROWDED_TAG = re.compile(rb"<[A-Za-z][^\s/<>]{0,64}(?:%s){%d,}" % (ATTRIBUTE, MAX_ATTRIBUTES + 1))
ONE_ATTRIBUTE = re.compile(ATTRIBUTE)
TAG_NAME = re.compile(rb"<[A-Za-z][^\s/<>]{0,64}")


@dataclass(frozen=True)
class Page:
    text: str
    title: str | None
    url: str | None  # the page's own canonical URL, when it declares one it may claim
    published: datetime | None
    lang: str | None
    sitename: str | None


# Extraction as the ingest run calls it: in process, or under a budget (parse_budget.py).
Extract = Callable[[bytes, str | None], Page]


def extract_page(raw: bytes, url: str | None = None) -> Page:
    """The article of an HTML page, without navigation, share bars, comments and footers.
    `url` is where the page was fetched from (after redirects); None for a local file."""
    html = bounded_html(raw)
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except MemoryError:
        raise  # the memory budget's failure to name (parse_budget.py), not the markup's
    except Exception as exc:  # trafilatura raises a variety on hostile markup
        raise ItemError(f"HTML could not be parsed: {type(exc).__name__}: {exc}") from None
    meta: dict[str, Any] = {} if doc is None else doc if isinstance(doc, dict) else doc.as_dict()
    text = (meta.get("text") or "").strip()
    if len(text) < MIN_TEXT:
        raise ItemError("no article text found in the HTML page")
    return Page(
        text=text,
        title=meta.get("title") or None,
        url=claimable(_absolute(meta.get("url")), url),
        published=_published(html),
        lang=meta.get("language") or _declared_language(html),
        sitename=meta.get("sitename") or meta.get("hostname") or None,
    )


def bounded_html(raw: bytes) -> bytes:
    """The page as the parsers may see it: its first MAX_HTML bytes, and no element with more
    than MAX_ATTRIBUTES attributes (the rest of them dropped)."""
    return CROWDED_TAG.sub(_first_attributes, raw[:MAX_HTML])


def _first_attributes(match: re.Match[bytes]) -> bytes:
    tag = match.group(0)
    name = TAG_NAME.match(tag)
    head = name.group(0) if name else b""
    kept = (m.group(0) for m in islice(ONE_ATTRIBUTE.finditer(tag, len(head)), MAX_ATTRIBUTES))
    return head + b"".join(kept)


def claimable(canonical: str | None, fetched: str | None) -> str | None:
    """The canonical URL a page fetched from `fetched` may claim: one on the same host and port
    (a leading "www." aside; http and https alike), else None. Without a fetched URL (a local
    file) the claim is kept."""
    if canonical is None or fetched is None:
        return canonical
    if any(c <= " " or c == "\\" for c in canonical):
        return None  # read differently by different URL parsers: never an identity
    try:
        return canonical if _site(canonical) == _site(fetched) else None
    except ValueError:  # an invalid port or host
        return None


def _site(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    if "@" in parts.netloc or not parts.hostname:
        raise ValueError("no plain host")
    port = parts.port
    if port == {"http": 80, "https": 443}.get(parts.scheme):
        port = None
    return parts.hostname.removeprefix("www."), port


def _published(raw: bytes) -> datetime | None:
    try:
        found = htmldate.find_date(
            raw, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S%z", extensive_search=False
        )
    except MemoryError:
        raise
    except Exception:  # htmldate is best-effort; a page without a date is still an article
        return None
    return parse_time(found) if found else None


def _absolute(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


def _declared_language(raw: bytes) -> str | None:
    match = HTML_LANG.search(raw[:4096])
    return match.group(1).decode().lower() if match else None
