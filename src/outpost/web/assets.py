"""Static files under /static, cached for a year by the browser.

A page names a file with its content's hash as a version query (`/static/app.css?v=1a2b3c4d`),
so a changed file has a new address and the browser never serves a stale copy of what it was
told it may keep forever; an address without the current version is served with `no-cache`
(files a stylesheet names relative to itself, such as Leaflet's images).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/static"
FOREVER = "public, max-age=31536000, immutable"


class Assets:
    """The version of every static file, computed once at start-up."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.root = root
        self.versions = {
            path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }

    def url(self, name: str) -> str:
        """The versioned address of a static file (KeyError for one that does not exist)."""
        return f"{PREFIX}/{name}?v={self.versions[name]}"


class VersionedStatic(StaticFiles):
    """StaticFiles that tells the browser to keep a file whose address has its version."""

    def __init__(self, assets: Assets) -> None:
        super().__init__(directory=assets.root, follow_symlink=False)
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        version = _query_version(scope)
        current = self.assets.versions.get(path.replace("\\", "/"))
        if response.status_code == 200 and version and version == current:
            response.headers["Cache-Control"] = FOREVER
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


def _query_version(scope: Scope) -> str | None:
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "v":
            return value
    return None
