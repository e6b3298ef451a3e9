"""The front-end files of the web pages: installed by `npm ci` as package-lock.json pins them,
copied into the package by `python -m outpost.web.vendor` (both run by `make install-test`),
and served by the app itself: nothing in them or in the templates loads from another host."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from outpost.web.vendor import (
    LICENCES,
    MANIFEST,
    PERMISSIVE,
    VENDOR_DIR,
    Entry,
    copy,
    locked_versions,
    main,
    read_manifest,
    with_licences,
)
from tests.conftest import ROOT

NODE_MODULES = ROOT / "node_modules"
LOCK = ROOT / "package-lock.json"
STATIC = VENDOR_DIR.parent
TEMPLATES = STATIC.parent / "templates"
SETUP = "run `make install-test` (npm ci, then python -m outpost.web.vendor)"
TEXT_SUFFIXES = {".js", ".css", ".json", ".html", ".svg", ".txt"}

# Every address written in the vendored files, and why the browser never fetches it. A new
# version that adds one fails here until someone has read the code around it.
KNOWN_URLS = {
    "http://www.w3.org/2000/svg": "the SVG namespace name (Leaflet), an identifier",
    "https://leafletjs.com": "Leaflet's banner comment and its attribution link (a link only)",
    "https://github.com/leeoniya/uPlot": "uPlot's banner comment",
    "https://github.com/topojson/topojson-client": "topojson-client's banner comment",
    "https://bugs.chromium.org/p/chromium/issues/detail?id=600120": "a comment in leaflet.css",
    "https://bugzilla.mozilla.org/show_bug.cgi?id=888319": "a comment in leaflet.css",
    **dict.fromkeys(
        (
            "http://www.w3.org/1998/Math/MathML",
            "http://www.w3.org/1999/xhtml",
            "http://www.w3.org/1999/xlink",
            "http://www.w3.org/XML/1998/namespace",
        ),
        "a namespace name (React in swagger-ui-bundle.js), an identifier",
    ),
    **dict.fromkeys(
        (
            "http://json-schema.org/draft-04/schema#",
            "http://json-schema.org/draft-06/schema#",
            "http://json-schema.org/draft-07/schema#",
            "https://json-schema.org/draft/2019-09/schema",
            "https://json-schema.org/draft/2020-12/schema",
            "https://spec.openapis.org/oas/3.1/dialect/base",
            "https://spec.openapis.org/oas/3.2/dialect/2025-09-17",
            "https://spec.openapis.org/oas/3.2/schema/2025-09-17",
        ),
        "a JSON Schema or OpenAPI dialect identifier (Swagger UI's parser), never fetched",
    ),
    **dict.fromkeys(
        (
            "https://datatracker.ietf.org/doc/html/rfc2616#section-2.2",
            "https://datatracker.ietf.org/doc/html/rfc3986#section-2.1",
            "https://datatracker.ietf.org/doc/html/rfc3986#section-2.2",
            "https://datatracker.ietf.org/doc/html/rfc3986#section-2.3",
            "https://datatracker.ietf.org/doc/html/rfc3986#section-3.3",
            "https://datatracker.ietf.org/doc/html/rfc5234#appendix-B.1",
            "https://datatracker.ietf.org/doc/html/rfc6265#section-2.2",
            "https://datatracker.ietf.org/doc/html/rfc6265#section-4.1.1",
            "https://datatracker.ietf.org/doc/html/rfc6265#section-4.2.1",
            "https://datatracker.ietf.org/doc/html/rfc6901",
            "https://datatracker.ietf.org/doc/html/rfc6901#section-4",
            "https://datatracker.ietf.org/doc/html/rfc9110#section-5.6.2",
            "https://www.rfc-editor.org/errata/eid5518",
            "https://www.rfc-editor.org/errata/eid6937",
            "https://www.rfc-editor.org/errata/eid8242",
            "https://www.rfc-editor.org/rfc/rfc6570#section-1.5",
            "https://www.rfc-editor.org/rfc/rfc6570#section-2",
            "https://www.rfc-editor.org/rfc/rfc6570#section-2.1",
        ),
        "a comment inside an ABNF grammar's text (Swagger UI's parsers), never fetched",
    ),
    **dict.fromkeys(
        (
            "https://github.com/highlightjs/highlight.js/issues/2277",
            "https://github.com/highlightjs/highlight.js/issues/2534",
            "https://github.com/highlightjs/highlight.js/issues/2559",
            "https://github.com/highlightjs/highlight.js/pull/2844",
            "http://fb.me/use-check-prop-types",
            "https://reactjs.org/docs/error-decoder.html?invariant=",
            "https://redux.js.org/Errors?code=${s}",
        ),
        "text of an error or deprecation message (swagger-ui-bundle.js), never fetched",
    ),
    **dict.fromkeys(
        (
            "https://github.com/zloirock/core-js",
            "https://github.com/zloirock/core-js/blob/v3.40.0/LICENSE",
        ),
        "core-js's copyright record (swagger-ui-bundle.js), data only",
    ),
    **dict.fromkeys(
        (
            "https://twitter.com/",
            "https://twitter.com/hashtag/",
            "https://www.facebook.com/hashtag/",
            "https://instagram.com/",
            "https://instagram.com/explore/tags/",
            "https://soundcloud.com/",
            "https://www.tiktok.com/@",
            "https://www.tiktok.com/tag/",
        ),
        "Autolinker's link targets for a mention or hashtag, both off by default (mention: "
        "false, hashtag: false); a link at most, never loaded",
    ),
    **dict.fromkeys(
        (
            "https://example.com/",
            "https://example.com/dictionary/{term:1}/{term}",
            "https://실례.com/",
        ),
        "an example value Swagger UI shows for a string format (uri, iri, uri-template)",
    ),
    "https://base${String": "a random dummy base of sanitizeUrl's new URL(), never fetched",
    "https://vladimirgorej.com": "a dummy base of new URL() to test a server URL, never fetched",
    "https://swagger.io": "a dummy base of absolutifyPointer's URL resolution, never fetched",
    "https://spdx.org/licenses/${a}.html`:void": "a link a spec's licence identifier becomes",
    "https://validator.swagger.io/validator": (
        "Swagger UI's default validatorUrl, which would send the document there for a badge: "
        "api/static/docs.js sets validatorUrl to null, and the docs' CSP allows 'self' only"
    ),
}
URL = re.compile(r"""https?://[^\s"'()<>\\]+""")
CDN = re.compile(r"unpkg|jsdelivr|cdnjs|//cdn\.|googleapis|gstatic|tile\.openstreetmap", re.I)
# src="//host/x.js", href='//host', url(//host): a protocol-relative load is remote too.
PROTOCOL_RELATIVE = re.compile(r"""(?:src|href)\s*=\s*["']//|url\(\s*["']?//""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")


@pytest.fixture(scope="module")
def manifest() -> list[Entry]:
    if not (VENDOR_DIR / MANIFEST).is_file():
        pytest.fail(f"{VENDOR_DIR / MANIFEST} is missing: {SETUP}")
    return read_manifest()


def _text_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES)


def test_manifest_lists_exactly_the_assets_and_their_licences(manifest: list[Entry]) -> None:
    assert sorted(e.path for e in manifest) == sorted(a.target for a in with_licences())
    on_disk = {p.relative_to(VENDOR_DIR).as_posix() for p in VENDOR_DIR.rglob("*") if p.is_file()}
    assert on_disk - {MANIFEST} == {e.path for e in manifest}


def test_every_file_is_there_with_its_sha256(manifest: list[Entry]) -> None:
    for entry in manifest:
        path = VENDOR_DIR / entry.path
        assert path.is_file(), f"{entry.path} is missing: {SETUP}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256, entry.path


def test_versions_are_the_locked_ones_and_licences_permissive(manifest: list[Entry]) -> None:
    locked = locked_versions(LOCK)
    for entry in manifest:
        assert entry.version == locked[entry.package], f"{entry.package}: {SETUP}"
        assert entry.licence == LICENCES[entry.package]
        assert entry.licence in PERMISSIVE
        installed = json.loads((NODE_MODULES / entry.package / "package.json").read_text())
        assert installed["version"] == entry.version, f"{entry.package}: {SETUP}"


def test_package_json_pins_exact_versions() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    locked = locked_versions(LOCK)
    assert package["private"] is True
    for group in ("dependencies", "devDependencies"):
        for name, spec in package[group].items():
            assert spec == locked[name], f"{name} {spec} is a range or differs from the lock"


def test_axe_core_is_installed_for_the_accessibility_tests() -> None:
    """Not vendored (MPL-2.0, never loaded by a page): tests inject it from node_modules."""
    axe = NODE_MODULES / "axe-core" / "axe.min.js"
    assert axe.is_file(), f"{axe} is missing: {SETUP}"
    installed = json.loads((NODE_MODULES / "axe-core" / "package.json").read_text())
    assert installed["version"] == locked_versions(LOCK)["axe-core"]
    assert not any(p.name.startswith("axe") for p in VENDOR_DIR.rglob("*"))


def test_copying_again_gives_the_same_files(manifest: list[Entry], tmp_path: Path) -> None:
    """The vendored files are those of the installed node_modules, not of an older run."""
    assert copy(NODE_MODULES, tmp_path / "vendor") == manifest


def test_no_page_file_loads_from_another_host(manifest: list[Entry]) -> None:
    vendored = _text_files(VENDOR_DIR)
    assert len(vendored) >= 8  # the scan must see the JS, CSS and JSON files
    for path in [*vendored, *_text_files(TEMPLATES), *_text_files(STATIC)]:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(STATIC.parent)
        assert not CDN.search(text), f"{where} names a CDN"
        assert not PROTOCOL_RELATIVE.search(text), f"{where} loads a protocol-relative address"
        urls = set(URL.findall(text))
        if path.is_relative_to(VENDOR_DIR):
            assert urls <= KNOWN_URLS.keys(), f"{where}: read {urls - KNOWN_URLS.keys()}"
        else:
            assert not urls, f"{where} names {urls}: serve it from static/ instead"


def test_css_urls_are_vendored_files(manifest: list[Entry]) -> None:
    """leaflet.css points at its images relative to itself; each must be a vendored file."""
    seen = 0
    for css in VENDOR_DIR.rglob("*.css"):
        for ref in CSS_URL.findall(css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")):  # inline, or IE's behavior: url(#default#VML)
                continue
            assert (css.parent / ref).resolve().is_file(), f"{css.name}: url({ref})"
            seen += 1
    assert seen >= 3  # layers.png, layers-2x.png, marker-icon.png


def test_leaflet_default_marker_resolves_beside_its_css() -> None:
    """L.Icon.Default reads the background-image of `.leaflet-default-icon-path` (leaflet.css)
    and strips `marker-icon.png`: so the marker comes from vendor/leaflet/images, same origin."""
    css = (VENDOR_DIR / "leaflet" / "leaflet.css").read_text(encoding="utf-8")
    rule = re.search(r"\.leaflet-default-icon-path\s*\{[^}]*?url\(([^)]+)\)", css)
    assert rule is not None and rule.group(1) == "images/marker-icon.png"
    for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
        assert (VENDOR_DIR / "leaflet" / "images" / name).is_file()


def test_missing_node_modules_is_named_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "vendor"
    assert main(["--node-modules", str(tmp_path / "node_modules"), "--out", str(out)]) == 1
    message = capsys.readouterr().err
    assert "node_modules is missing" in message and "npm ci" in message
    assert "Node.js 20" in message
    assert all(package in message for package in LICENCES)
    assert not out.exists()


def _tree_with_stale_leaflet(root: Path) -> Path:
    """A node_modules whose leaflet is another version and lacks leaflet.css; the rest real."""
    node_modules = root / "node_modules"
    node_modules.mkdir()
    shutil.copyfile(LOCK, root / "package-lock.json")
    for package in LICENCES:
        if package != "leaflet":
            (node_modules / package).symlink_to(NODE_MODULES / package)
    leaflet = node_modules / "leaflet"
    ignore = shutil.ignore_patterns("src", "*.map", "leaflet-src*", "leaflet.css")
    shutil.copytree(NODE_MODULES / "leaflet", leaflet, ignore=ignore)
    meta = json.loads((leaflet / "package.json").read_text())
    (leaflet / "package.json").write_text(json.dumps({**meta, "version": "1.9.3"}))
    return node_modules


def test_stale_package_and_missing_file_are_named_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node_modules = _tree_with_stale_leaflet(tmp_path)
    out = tmp_path / "vendor"
    out.mkdir()
    (out / "kept.js").write_text("// the previous copy")
    assert main(["--node-modules", str(node_modules), "--out", str(out)]) == 1
    message = capsys.readouterr().err
    locked = locked_versions(LOCK)["leaflet"]
    assert f"leaflet is 1.9.3 but package-lock.json pins {locked}" in message
    assert "leaflet/dist/leaflet.css is missing" in message
    assert [p.name for p in out.iterdir()] == ["kept.js"]
