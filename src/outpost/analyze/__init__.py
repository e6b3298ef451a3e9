"""Analysis: every article becomes evidenced facts (stages over a Doc; see analyze.pipeline).

This package is also the library's entry point: `outpost.analyze(text, published=..., lang=...)`
analyses one text without a database and returns a Doc. A package and a function cannot share
the name `outpost.analyze`, so the package itself is made callable.
"""

from __future__ import annotations

import sys
import types
from datetime import datetime
from typing import Any


class _CallablePackage(types.ModuleType):
    def __call__(
        self, text: str, published: datetime | None = None, lang: str | None = None, **kw: Any
    ) -> Any:
        from outpost.analyze.pipeline import analyze

        return analyze(text, published=published, lang=lang, **kw)


sys.modules[__name__].__class__ = _CallablePackage
