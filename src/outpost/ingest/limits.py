"""What every draft must satisfy before it is stored, whatever reader made it.

One place for the bounds of an article, so no reader can forget them: a text longer than the
settings allow is refused with a reason that says so.
"""

from __future__ import annotations

from outpost.config import Limits
from outpost.ingest.errors import ItemError
from outpost.records import Draft


def admit(draft: Draft, limits: Limits) -> Draft:
    """The draft as it may be stored, or an ItemError naming the bound it breaks."""
    if len(draft.text) > limits.article_chars:
        raise ItemError(
            f"article text is {len(draft.text):,} characters, over the cap of "
            f"{limits.article_chars:,} (the article_max_chars setting)"
        )
    return draft
