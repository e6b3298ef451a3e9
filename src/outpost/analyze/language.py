"""Language identification (py3langid), loaded once on first use."""

from __future__ import annotations

import functools
from typing import Any

MIN_CHARS = 20  # below this a guess is noise


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def guess_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short to tell."""
    sample = text[:5000]
    if sum(c.isalpha() for c in sample) < MIN_CHARS:
        return None
    lang, _probability = _identifier().classify(sample)
    return str(lang)
