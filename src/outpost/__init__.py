"""Outpost: open early-warning and joint crisis-response platform.

    import outpost
    doc = outpost.analyze("...", published=datetime(2021, 9, 16, tzinfo=UTC), lang=None)
"""

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "analyze":  # loaded on first use: the models are heavy
        import outpost.analyze

        return outpost.analyze
    raise AttributeError(f"module 'outpost' has no attribute {name!r}")
