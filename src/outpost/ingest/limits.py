"""What every draft must satisfy before it is stored, whatever reader made it.

One place for the bounds of an article, so no reader can forget them: a text longer than the
settings allow is refused with a reason that says so, and no field keeps what would drive a
terminal (escape sequences, controls, bidi overrides) when it is listed. Single-line fields
become one line; the text keeps its tabs and line breaks.
"""

from __future__ import annotations

from dataclasses import replace

from outpost.config import Limits
from outpost.records import Draft
from outpost.values import ItemError, multi_line, single_line


def admit(draft: Draft, limits: Limits) -> Draft:
    """The draft as it may be stored, or an ItemError naming the bound it breaks."""
    # The cap is checked first: cleaning a text that is refused anyway would waste the time.
    if len(draft.text) > limits.article_chars:
        raise ItemError(
            f"article text is {len(draft.text):,} characters, over the cap of "
            f"{limits.article_chars:,} (the article_max_chars setting)"
        )
    text = multi_line(draft.text).strip()
    if not text:
        raise ItemError("article text is empty once control characters are removed")
    source = single_line(draft.source)
    if not source:
        raise ItemError("source name is empty once control characters are removed")
    return replace(
        draft,
        text=text,
        source=source,
        locator=single_line(draft.locator) or ascii(draft.locator),
        title=_optional(draft.title),
        url=_optional(draft.url),
        lang=_optional(draft.lang),
        external_id=_optional(draft.external_id),
    )


def _optional(value: str | None) -> str | None:
    """A single-line field, None when nothing is left of it."""
    return (single_line(value) or None) if value is not None else None
