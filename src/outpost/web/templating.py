"""Jinja2 for the pages: one environment per language, autoescaping everything.

Every value a template prints is escaped (an article's title and text are hostile); the only
markup that is not comes from the templates themselves. Data for the page's scripts goes in
data- attributes as JSON text (`as_json`), escaped like any other value, never into a
<script>.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from outpost.web.assets import Assets
from outpost.web.i18n import LOCALES, Formats, translations
from outpost.web.labels import DOMAINS, EVENT_TYPES, actor_namer, is_actor, labeller

TEMPLATE_DIR = Path(__file__).parent / "templates"


def as_json(value: Any) -> str:
    """JSON as plain text: printed into an attribute it is escaped like any other value."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def safe_url(url: str | None) -> str | None:
    """An article's address as a link only when it is http(s): never javascript:, data:..."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an address that does not parse (a broken IPv6 host) is no link
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


MATCHED = re.compile(r"«([^«»]*)»")


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """A search snippet as (text, matched) parts: the store marks matches with « and », the
    page marks them with <mark> around each escaped part."""
    parts, at = [], 0
    for found in MATCHED.finditer(snippet):
        parts += [(snippet[at : found.start()], False), (found.group(1), True)]
        at = found.end()
    return [p for p in [*parts, (snippet[at:], False)] if p[0]]


def environment(lang: str, assets: Assets) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    catalogue = translations(lang)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    fmt = Formats(lang)
    env.globals.update(
        lang=lang,
        fmt=fmt,
        label=labeller(catalogue.gettext),
        actor=actor_namer(lang, fmt.country),
        is_actor=is_actor,
        static=assets.url,
        safe_url=safe_url,
        snippet_parts=snippet_parts,
        DOMAINS=DOMAINS,  # the choices of the filter form (_filters.html)
        EVENT_TYPES=EVENT_TYPES,
    )
    env.filters["as_json"] = as_json
    return env


def environments(assets: Assets) -> dict[str, Environment]:
    return {lang: environment(lang, assets) for lang in LOCALES}
