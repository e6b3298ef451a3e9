"""Language identification (py3langid), loaded once on first use."""

from __future__ import annotations

import functools
import re
from typing import Any

MIN_CHARS = 20  # letters: below this a guess is noise
LETTER = re.compile(r"[^\W\d_]")


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def guess_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short to tell."""
    sample = text[:2000]  # more text does not change the answer, only the time
    if len(LETTER.findall(sample, 0, 400)) < MIN_CHARS:
        return None
    lang, _probability = _identifier().classify(sample)
    return str(lang)
