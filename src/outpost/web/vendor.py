"""Copy the front-end files the pages need from node_modules into static/vendor.

`npm ci` installs the packages pinned by package-lock.json; this copies exactly the files in
ASSETS, and each package's licence, into `static/vendor/<package>/`, so that the app serves
them itself and the wheel carries them, and writes `static/vendor/manifest.json`: every file
with its package, version, licence and sha256.

    python -m outpost.web.vendor [--node-modules DIR] [--out DIR]

Run it from the repository root after `npm ci` (`make install` does both). Nothing is written
when a package is missing, differs from package-lock.json or changed its licence: the message
names each problem.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Asset:
    package: str  # the npm name
    source: str  # the path inside the package
    target: str  # the path inside vendor/


# The licence of each package as its LICENSE file says (htmx-ext-sse's package.json names none).
# A package.json that declares another one stops the copy: a new version is read again first.
LICENCES: dict[str, str] = {
    "htmx.org": "0BSD",
    "htmx-ext-sse": "0BSD",
    "leaflet": "BSD-2-Clause",
    "swagger-ui-dist": "Apache-2.0",
    "topojson-client": "ISC",
    "uplot": "MIT",
    "world-atlas": "ISC",
}
PERMISSIVE = frozenset({"0BSD", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "MIT"})

_LEAFLET_IMAGES = (
    "layers.png",
    "layers-2x.png",
    "marker-icon.png",
    "marker-icon-2x.png",
    "marker-shadow.png",
)

# Minified builds only; no source maps (a browser asks for one only while its developer tools
# are open). axe-core is not here: the pages never load it, it is MPL-2.0 where everything the
# wheel ships is permissive, and the accessibility tests inject node_modules/axe-core/axe.min.js
# (a devDependency) themselves.
ASSETS: tuple[Asset, ...] = (
    Asset("htmx.org", "dist/htmx.min.js", "htmx.org/htmx.min.js"),
    Asset("htmx-ext-sse", "dist/sse.min.js", "htmx-ext-sse/sse.min.js"),
    Asset("leaflet", "dist/leaflet.js", "leaflet/leaflet.js"),
    Asset("leaflet", "dist/leaflet.css", "leaflet/leaflet.css"),
    # leaflet.css names these relative to itself, url(images/...), and L.Icon.Default finds
    # the marker through that rule: they stay beside the CSS, served from the same place.
    *(Asset("leaflet", f"dist/images/{n}", f"leaflet/images/{n}") for n in _LEAFLET_IMAGES),
    Asset(
        "topojson-client", "dist/topojson-client.min.js", "topojson-client/topojson-client.min.js"
    ),
    Asset("world-atlas", "countries-110m.json", "world-atlas/countries-110m.json"),
    Asset("world-atlas", "countries-50m.json", "world-atlas/countries-50m.json"),
    Asset("uplot", "dist/uPlot.iife.min.js", "uplot/uPlot.iife.min.js"),
    Asset("uplot", "dist/uPlot.min.css", "uplot/uPlot.min.css"),
    # The API's interactive docs (/api/docs; the init script is outpost/api/static/docs.js).
    # The bundle only: the standalone preset adds a top bar that loads other specs by URL.
    Asset("swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js"),
    Asset("swagger-ui-dist", "swagger-ui.css", "swagger-ui-dist/swagger-ui.css"),
    # Apache-2.0 asks that its NOTICE go with the files, as the LICENSE does.
    Asset("swagger-ui-dist", "NOTICE", "swagger-ui-dist/NOTICE"),
)

VENDOR_DIR = Path(__file__).parent / "static" / "vendor"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Entry:
    """One line of the manifest."""

    path: str  # inside vendor/, with forward slashes
    package: str
    version: str
    licence: str
    sha256: str


class VendorError(Exception):
    """The front-end packages cannot be copied; the message names every problem."""


def with_licences(assets: Sequence[Asset] = ASSETS) -> tuple[Asset, ...]:
    """The assets and the LICENSE file of each of their packages (BSD and ISC ask for it)."""
    packages = sorted({a.package for a in assets})
    return (*assets, *(Asset(p, "LICENSE", f"{p}/LICENSE") for p in packages))


def locked_versions(lock_file: Path) -> dict[str, str]:
    """Package name -> version, as package-lock.json (lockfileVersion 2 or 3) pins it."""
    lock = json.loads(lock_file.read_text(encoding="utf-8"))
    prefix = "node_modules/"
    return {
        key.removeprefix(prefix): str(value["version"])
        for key, value in lock.get("packages", {}).items()
        if key.startswith(prefix) and "/node_modules/" not in key and "version" in value
    }


def _package_problems(node_modules: Path, package: str, locked: str | None) -> list[str]:
    meta_file = node_modules / package / "package.json"
    if locked is None:
        return [f"{package} is not in package-lock.json"]
    if not meta_file.is_file():
        return [f"{package} is not installed ({meta_file} is missing)"]
    meta: dict[str, Any] = json.loads(meta_file.read_text(encoding="utf-8"))
    problems = []
    if meta.get("version") != locked:
        problems.append(f"{package} is {meta.get('version')} but package-lock.json pins {locked}")
    return problems + _licence_problems(package, meta.get("license"))


def _licence_problems(package: str, declared: object) -> list[str]:
    licence = LICENCES.get(package)
    if licence is None:
        return [f"{package} has no licence in LICENCES: read its LICENSE file and add it"]
    if declared is not None and declared != licence:
        return [f"{package} now declares licence {declared}, not {licence}"]
    if licence not in PERMISSIVE:
        return [f"{package} has licence {licence}, which is not permissive"]
    return []


def check(node_modules: Path, assets: Sequence[Asset]) -> dict[str, str]:
    """Package -> version of what will be copied; VendorError naming every problem if any."""
    packages = sorted({a.package for a in assets})
    if not node_modules.is_dir():
        raise VendorError(
            f"{node_modules} is missing, so the front-end packages {', '.join(packages)} are "
            "not installed: run `npm ci` in the repository root (Node.js 20 with npm; "
            "`make install` does it), then this again"
        )
    lock_file = node_modules.parent / "package-lock.json"
    if not lock_file.is_file():
        raise VendorError(f"{lock_file} is missing: the versions to copy are not known")
    locked = locked_versions(lock_file)
    problems = [
        p for name in packages for p in _package_problems(node_modules, name, locked.get(name))
    ]
    problems += [
        f"{a.package}/{a.source} is missing"
        for a in assets
        if (node_modules / a.package).is_dir()
        and not (node_modules / a.package / a.source).is_file()
    ]
    if problems:
        raise VendorError("; ".join(problems) + ": run `npm ci` in the repository root")
    return {name: locked[name] for name in packages}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy(node_modules: Path, out: Path, assets: Sequence[Asset] = ASSETS) -> list[Entry]:
    """Replace `out` with the checked assets and their licences; write and return the manifest."""
    every = with_licences(assets)
    versions = check(node_modules, every)
    if out.exists():
        shutil.rmtree(out)  # a file dropped from ASSETS must not linger in the wheel
    entries = []
    for asset in every:
        target = out / asset.target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules / asset.package / asset.source, target)
        version, licence = versions[asset.package], LICENCES[asset.package]
        entries.append(Entry(asset.target, asset.package, version, licence, _sha256(target)))
    entries.sort(key=lambda e: e.path)
    manifest = {"files": [asdict(e) for e in entries]}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return entries


def read_manifest(out: Path = VENDOR_DIR) -> list[Entry]:
    data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    return [Entry(**item) for item in data["files"]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outpost.web.vendor", description=__doc__)
    parser.add_argument("--node-modules", type=Path, default=Path("node_modules"))
    parser.add_argument("--out", type=Path, default=VENDOR_DIR)
    args = parser.parse_args(argv)
    try:
        entries = copy(args.node_modules.resolve(), args.out)
    except VendorError as exc:
        print(f"outpost.web.vendor: {exc}", file=sys.stderr)
        return 1
    packages = len({e.package for e in entries})
    print(f"outpost.web.vendor: {len(entries)} files of {packages} packages in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
