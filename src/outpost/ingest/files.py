"""Files and folders: .txt, .html/.htm, .json, .jsonl and Telegram Desktop channel exports.

A `.txt` or `.html` file may have a sidecar `NAME.meta.json` with the fields of a JSON article
(`title`, `url`, `published`, `source`, `lang`, `id`), which override what the file itself says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import charset_normalizer

from outpost.ingest.errors import ItemError
from outpost.ingest.pages import extract_page
from outpost.ingest.telegram import is_telegram_export, read_telegram
from outpost.ingest.values import clean, json_bytes, language, optional_text, parse_time
from outpost.records import Draft, Failure

Item = Draft | Failure
SUFFIXES = {".txt", ".html", ".htm", ".json", ".jsonl"}
META = ".meta.json"
CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]"
)  # control characters but tabs, newlines, \f
MAX_FILE = 200 * 1024 * 1024  # a file larger than this is refused, not read into memory


def expand(path: Path) -> list[Path]:
    """The files a path names: itself, or the supported files below a folder, in a stable order."""
    if path.is_dir():
        found = (
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in SUFFIXES
            and not p.name.endswith(META)
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        return sorted(found)
    return [path]


def estimate(path: Path) -> int:
    """How many items a file will probably give, for the progress bar."""
    if path.suffix.lower() == ".jsonl":
        try:
            with path.open("rb") as f:
                return sum(1 for line in f if line.strip())
        except OSError:
            return 1
    return 1


def read_file(path: Path, source: str | None = None) -> Iterator[Item]:
    """The articles of one file, or a failure per broken item (never an exception)."""
    locator = str(path)
    try:
        raw = _read_bytes(path)
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            yield from _read_jsonl(raw, locator, source)
        elif suffix == ".json":
            yield from _read_json(raw, locator, source)
        elif suffix in (".html", ".htm"):
            yield _read_html(path, raw, source)
        elif suffix == ".txt":
            yield _read_txt(path, raw, source)
        else:
            raise ItemError(f"unsupported file type {path.suffix or '(none)'!r}")
    except ItemError as exc:
        yield Failure(locator, str(exc))


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE:
            raise ItemError(f"file is larger than {MAX_FILE // (1024 * 1024)} MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise ItemError("no such file or folder") from None
    except IsADirectoryError:
        raise ItemError("is a folder") from None
    except OSError as exc:
        raise ItemError(f"cannot read: {exc.strerror or exc}") from None


def decode(raw: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM, or UTF-16 with BOM), else the best-fitting
    legacy encoding (cp1251 is common in Russian sources). Binary data is refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ItemError("undecodable text: bad UTF-16") from None
    if b"\x00" in raw[:65536]:
        raise ItemError("binary file, not text (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(raw).best()
        if best is None or best.chaos > 0.2:
            raise ItemError("undecodable text: not UTF-8, and no other encoding fits") from None
        text = str(best)
    if len(CONTROL.findall(text)) > max(3, len(text) // 100):
        raise ItemError("binary content, not text (too many control characters)")
    return text


def _sidecar(path: Path) -> dict[str, Any]:
    meta = path.parent / (path.stem + META)
    if not meta.is_file():
        return {}
    try:
        data = _load_json(decode(meta.read_bytes()))
    except ItemError as exc:
        raise ItemError(f"bad metadata file {meta.name}: {exc}") from None
    except OSError as exc:
        raise ItemError(f"bad metadata file {meta.name}: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise ItemError(f"bad metadata file {meta.name}: expected a JSON object")
    return data


def _read_txt(path: Path, raw: bytes, source: str | None) -> Draft:
    text = decode(raw).strip()
    if not text:
        raise ItemError("empty text file")
    first = text.split("\n", 1)[0].strip()
    meta = {"title": first if len(first) <= 250 else None, **_sidecar(path)}
    return draft_from_object(
        {**meta, "text": text}, str(path), raw, "text/plain", _default(path, source)
    )


def _read_html(path: Path, raw: bytes, source: str | None) -> Draft:
    page = extract_page(raw)
    found = {
        "title": page.title,
        "url": page.url,
        "published": page.published.isoformat() if page.published else None,
        "lang": page.lang,
        "source": page.sitename,
    }
    meta = {k: v for k, v in found.items() if v} | _sidecar(path)
    return draft_from_object(
        {**meta, "text": page.text}, str(path), raw, "text/html", _default(path, source)
    )


def _read_jsonl(raw: bytes, locator: str, source: str | None) -> Iterator[Item]:
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{locator}#line={number}"
        try:
            obj = _load_json(decode(line))
            yield draft_from_object(obj, where, line, "application/json", source or "jsonl")
        except ItemError as exc:
            yield Failure(where, str(exc))


def _load_json(text: str) -> Any:
    """Parsed JSON, or an ItemError: json.loads raises more than JSONDecodeError on hostile input
    (RecursionError for "[[[[...", ValueError for an integer of more than 4300 digits)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = f"line {exc.lineno} column {exc.colno}" if exc.lineno > 1 else f"column {exc.colno}"
        raise ItemError(f"malformed JSON: {exc.msg} at {at}") from None
    except RecursionError:
        raise ItemError("malformed JSON: nested too deeply") from None
    except ValueError as exc:
        raise ItemError(f"malformed JSON: {exc}") from None


def _read_json(raw: bytes, locator: str, source: str | None) -> Iterator[Item]:
    data = _load_json(decode(raw))
    if is_telegram_export(data):
        yield from read_telegram(data, locator, source)
        return
    objects = data if isinstance(data, list) else [data]
    for index, obj in enumerate(objects):
        where = locator if len(objects) == 1 else f"{locator}#item={index}"
        try:
            # json_bytes, not dumps().encode(): an escaped lone surrogate must not raise here
            one = json_bytes(obj)
            yield draft_from_object(obj, where, one, "application/json", source or "json")
        except ItemError as exc:
            yield Failure(where, str(exc))


def draft_from_object(obj: object, locator: str, raw: bytes, media_type: str, source: str) -> Draft:
    """A draft from an article object: `text` required; `title`, `url`, `published`, `source`,
    `lang`, `id` optional."""
    if not isinstance(obj, Mapping):
        raise ItemError(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    text = clean(text).strip() if isinstance(text, str) else ""
    if not text:
        raise ItemError("missing 'text' (a non-empty string is required)")
    return Draft(
        text=text,
        source=optional_text(obj.get("source"), "source") or source,
        locator=locator,
        raw=raw,
        media_type=media_type,
        title=optional_text(obj.get("title"), "title"),
        url=_url(obj.get("url")),
        published=parse_time(obj.get("published")),
        lang=language(obj.get("lang")),
        external_id=optional_text(obj.get("id"), "id"),
    )


def _url(value: object) -> str | None:
    url = optional_text(value, "url")
    if url is None:
        return None
    if not url.lower().startswith(("http://", "https://")):
        raise ItemError(f"field 'url' is not an http(s) URL: {url[:80]!r}")
    return url


def _default(path: Path, source: str | None) -> str:
    return source or path.parent.name or "files"
