"""Language identification per article and per paragraph.

Two votes: CLD2 (pycld2), which tells Tajik, Uzbek, Kazakh and Kyrgyz from Russian well, and
py3langid, which is steadier on short and mixed text. CLD2 wins when it is sure.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pycld2

MIN_LETTERS = 20  # below this a guess is noise
LETTER = re.compile(r"[^\W\d_]")
SAMPLE = 1200  # characters: more text does not change the answer, only the time


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, confidence) of the text's language; (None, 0) when it cannot tell."""
    sample = text[:SAMPLE]
    if len(LETTER.findall(sample, 0, 400)) < MIN_LETTERS:
        return None, 0.0
    lang, probability = _identifier().classify(sample)
    cld = _cld2(sample)
    if cld is not None and (cld[1] >= 0.9 or cld[0] == lang):
        return cld[0], max(cld[1], float(probability) if cld[0] == lang else 0.0)
    return str(lang), float(probability)


def guess_language(text: str) -> str | None:
    return identify(text)[0]


def _cld2(text: str) -> tuple[str, float] | None:
    try:
        reliable, _, details = pycld2.detect(text.encode("utf-8", "replace").decode("utf-8"))
    except pycld2.error:
        return None
    name, code, percent, _score = details[0]
    if not reliable or code in ("un", "xxx") or name == "Unknown":
        return None
    return code.split("-")[0], percent / 100
