"""Outpost: open early-warning and joint crisis-response platform.

`outpost.analyze(text, published=..., lang=...)` analyses one text without a database.
"""

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "analyze":  # loaded on first use: the models are heavy
        import outpost.analyze

        return outpost.analyze
    raise AttributeError(f"module 'outpost' has no attribute {name!r}")
