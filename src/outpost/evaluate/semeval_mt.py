"""Same story or not on machine-translated pairs (SemEval-2022 task 8 as HFL translated it:
Chinese, Italian, Russian... made from articles written in other languages).

A supplementary check, kept apart from the real pairs as the data's README asks, and scored
as they are (`outpost.evaluate.semeval`): it tries the vectors and keys on languages and
language pairs the real pairs lack (Chinese–English, Spanish–Italian, Polish–English).
"""

from __future__ import annotations

from outpost.evaluate.semeval import evaluate

__all__ = ["evaluate"]
