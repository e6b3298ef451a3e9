"""Main text and metadata of an HTML page (trafilatura for the text, htmldate for the date)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import htmldate
import trafilatura

from outpost.ingest.errors import ItemError
from outpost.ingest.values import parse_time

MIN_TEXT = 40  # characters: less than this is a page without an article
HTML_LANG = re.compile(rb"<html[^>]*?\slang=[\"']?([A-Za-z]{2,3})\b", re.I)


@dataclass(frozen=True)
class Page:
    text: str
    title: str | None
    url: str | None  # the page's own canonical URL, when it declares one
    published: datetime | None
    lang: str | None
    sitename: str | None


def extract_page(raw: bytes, url: str | None = None) -> Page:
    """The article of an HTML page, without navigation, share bars, comments and footers."""
    try:
        doc = trafilatura.bare_extraction(
            raw, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # trafilatura raises a variety on hostile markup
        raise ItemError(f"HTML could not be parsed: {type(exc).__name__}: {exc}") from None
    meta: dict[str, Any] = {} if doc is None else doc if isinstance(doc, dict) else doc.as_dict()
    text = (meta.get("text") or "").strip()
    if len(text) < MIN_TEXT:
        raise ItemError("no article text found in the HTML page")
    return Page(
        text=text,
        title=meta.get("title") or None,
        url=_absolute(meta.get("url")),
        published=_published(raw),
        lang=meta.get("language") or _declared_language(raw),
        sitename=meta.get("sitename") or meta.get("hostname") or None,
    )


def _published(raw: bytes) -> datetime | None:
    try:
        found = htmldate.find_date(
            raw, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S%z", extensive_search=False
        )
    except Exception:  # htmldate is best-effort; a page without a date is still an article
        return None
    return parse_time(found) if found else None


def _absolute(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


def _declared_language(raw: bytes) -> str | None:
    match = HTML_LANG.search(raw[:4096])
    return match.group(1).decode().lower() if match else None
