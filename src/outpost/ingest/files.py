"""Files and folders: .txt, .html/.htm, .json, .jsonl and Telegram Desktop channel exports.

A `.txt` or `.html` file may have a sidecar `NAME.meta.json` with the fields of a JSON article
(`title`, `url`, `published`, `source`, `lang`, `id`), which override what the file itself says.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outpost.ingest.decoding import decode, utf16_order
from outpost.ingest.pages import Extract, extract_page
from outpost.ingest.telegram import is_telegram_export, read_telegram
from outpost.records import Draft, Failure
from outpost.values import ItemError, clean, json_bytes, language, optional_text, parse_time

Item = Draft | Failure
META = ".meta.json"
MAX_FILE = 200 * 1024 * 1024  # a file larger than this is refused, not read into memory
UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
LINES = re.compile("\r\n|\r|\n")  # JSONL line ends; U+2028 or \x85 may stand inside a string


def expand(path: Path) -> list[Path]:
    """The files a path names: itself, or the supported files below a folder, in a stable order.

    Walking never raises: a sub-folder that cannot be listed, and a symbolic link that leads out
    of the folder or nowhere, are listed as they are, and `read_file` says why it refuses them.
    A link to a file inside the folder is listed as its target (read once, however many links
    lead to it); nothing but a regular file is ever opened.
    """
    if not _mode_is(path, stat.S_ISDIR, follow=True):
        return [_followed(path)]
    root = Path(os.path.realpath(path))
    found: set[Path] = set()
    folders = [path]
    while folders:  # a stack, not recursion: a hostile tree may nest thousands of folders deep
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            found.add(folder)  # read_file names the reason, as a failure of this folder
            continue
        for entry in entries:
            if not entry.name.startswith("."):
                _visit(Path(entry.path), entry, root, found, folders)
    return sorted(found)


def _followed(path: Path) -> Path:
    """A path named explicitly: a link to a file is followed, since the person chose it."""
    if not _mode_is(path, stat.S_ISLNK, follow=False):
        return path
    try:
        return Path(os.path.realpath(path, strict=True))
    except OSError:
        return path  # a broken link: read_file says so


def _mode_is(path: Path, test: Callable[[int], bool], *, follow: bool) -> bool:
    """Whether the path is of a kind; False when it cannot be told (Path.is_dir raises on a
    parent folder that may not be searched, which would end the whole run)."""
    try:
        return test(path.stat(follow_symlinks=follow).st_mode)
    except OSError:
        return False


def _visit(
    path: Path, entry: os.DirEntry[str], root: Path, found: set[Path], folders: list[Path]
) -> None:
    try:
        if entry.is_symlink():
            _link(path, root, found)
        elif entry.is_dir(follow_symlinks=False):
            folders.append(path)
        elif _wanted(entry.name):
            found.add(path)  # a FIFO or device named like a text file is refused when read
    except OSError:
        found.add(path)


def _link(path: Path, root: Path, found: set[Path]) -> None:
    """A link inside the folder is read as its target; one leading out is refused when read
    (a link to a system file must not become an article), as is a broken or looping one."""
    try:
        target = Path(os.path.realpath(path, strict=True))
    except OSError:
        if _wanted(path.name):
            found.add(path)
        return
    if not target.is_relative_to(root):
        if _wanted(path.name) or target.is_dir():
            found.add(path)
    elif not target.is_dir() and _wanted(target.name):
        found.add(target)
    # a link to a folder inside the tree adds nothing: that folder is walked anyway


def _wanted(name: str) -> bool:
    return Path(name).suffix.lower() in READERS and not name.endswith(META)


def shown(path: Path | str) -> str:
    """A path as it may be stored and shown: bytes that are not UTF-8 (a file name is any bytes
    on POSIX) as `\\xNN`, controls and bidi overrides as escapes, so the name can neither break
    the store's encoding nor drive a terminal."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return UNSHOWABLE.sub(lambda m: ascii(m.group())[1:-1], text)


def estimate(path: Path) -> int:
    """How many items a file will probably give, for the progress bar."""
    if path.suffix.lower() != ".jsonl":
        return 1
    try:
        return max(1, sum(1 for line in _read_bytes(path).splitlines() if line.strip()))
    except ItemError:
        return 1


def read_file(
    path: Path, source: str | None = None, extract: Extract = extract_page
) -> Iterator[Item]:
    """The articles of one file, or a failure per broken item (never an exception). HTML goes
    through `extract` (the ingest run gives the budgeted one)."""
    locator = shown(path)
    try:
        file = File(path, _read_bytes(path), locator, source)
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            raise ItemError(f"unsupported file type {shown(path.suffix) or '(none)'!r}")
        yield from reader(file, extract)
    except ItemError as exc:
        yield Failure(locator, str(exc))


@dataclass(frozen=True)
class File:
    """A file as its reader gets it: read (capped), with its shown name and the run's source."""

    path: Path
    raw: bytes
    locator: str
    source: str | None


def _jsonl_items(file: File, extract: Extract) -> Iterator[Item]:
    return _read_jsonl(file.raw, file.locator, file.source or _collection(file.path))


def _json_items(file: File, extract: Extract) -> Iterator[Item]:
    return _read_json(file.raw, file.locator, file.source or _collection(file.path))


def _html_items(file: File, extract: Extract) -> Iterator[Item]:
    yield _read_html(file.path, file.raw, file.source, extract)


def _txt_items(file: File, extract: Extract) -> Iterator[Item]:
    yield _read_txt(file.path, file.raw, file.source)


# The readers of file kinds, by suffix: a new kind is one entry here (and a reader).
READERS: dict[str, Callable[[File, Extract], Iterator[Item]]] = {
    ".jsonl": _jsonl_items,
    ".json": _json_items,
    ".html": _html_items,
    ".htm": _html_items,
    ".txt": _txt_items,
}


def _read_bytes(path: Path, cap: int = MAX_FILE) -> bytes:
    """The bytes of a regular file, at most `cap` of them. What the path is, is asked before it
    is opened (opening a device can act on it) and again of the open file (it may have been
    swapped in between); a FIFO opened without blocking never waits for a writer."""
    try:
        _regular(os.lstat(path).st_mode, path)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ItemError("no such file or folder") from None
    except OSError as exc:
        raise ItemError(_refusal(path, exc)) from None
    try:
        info = os.fstat(fd)
        _regular(info.st_mode, path)
        if info.st_size > cap:  # refused unread; a smaller size is not trusted, reads are capped
            raise ItemError(_too_large(cap))
        return _read_capped(fd, cap)
    except OSError as exc:
        raise ItemError(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _regular(mode: int, path: Path) -> None:
    if stat.S_ISLNK(mode):
        raise ItemError(_link_reason(path))
    if stat.S_ISDIR(mode):
        raise ItemError(_folder_reason(path))
    if not stat.S_ISREG(mode):
        raise ItemError(f"not a regular file but {_kind(mode)}: not read")


def _read_capped(fd: int, cap: int) -> bytes:
    """At most cap + 1 bytes, whatever the file's size says (it can grow while it is read)."""
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = os.read(fd, min(1 << 20, cap + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise ItemError(_too_large(cap))


def _too_large(cap: int) -> str:
    if cap >= 1 << 20:
        return f"file is larger than {cap // (1024 * 1024)} MiB"
    return f"file is larger than {cap:,} bytes"


def _refusal(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link swapped in after lstat
        return _link_reason(path)
    return f"cannot read: {exc.strerror or exc}"


def _link_reason(path: Path) -> str:
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as exc:
        return f"broken symbolic link: {exc.strerror or exc}"
    return f"symbolic link to {shown(target)}, outside the folder being read: not followed"


def _folder_reason(path: Path) -> str:
    try:
        with os.scandir(path):
            return "is a folder"
    except OSError as exc:
        return f"cannot read folder: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _sidecar(path: Path) -> dict[str, Any]:
    meta = path.parent / (path.stem + META)
    if not os.path.lexists(meta):
        return {}
    try:
        data = _load_json(decode(_read_bytes(meta)))
    except ItemError as exc:
        raise ItemError(f"bad metadata file {shown(meta.name)}: {exc}") from None
    if not isinstance(data, dict):
        raise ItemError(f"bad metadata file {shown(meta.name)}: expected a JSON object")
    return data


def _read_txt(path: Path, raw: bytes, source: str | None) -> Draft:
    text = decode(raw).strip()
    if not text:
        raise ItemError("empty text file")
    first = text.split("\n", 1)[0].strip()
    meta = {"title": first if len(first) <= 250 else None, **_sidecar(path)}
    return draft_from_object(
        {**meta, "text": text}, shown(path), raw, "text/plain", _default(path, source)
    )


def _read_html(path: Path, raw: bytes, source: str | None, extract: Extract) -> Draft:
    page = extract(raw, None)
    found = {
        "title": page.title,
        "url": page.url,
        "published": page.published.isoformat() if page.published else None,
        "lang": page.lang,
        "source": page.sitename,
    }
    meta = {k: v for k, v in found.items() if v} | _sidecar(path)
    return draft_from_object(
        {**meta, "text": page.text}, shown(path), raw, "text/html", _default(path, source)
    )


def _read_jsonl(raw: bytes, locator: str, source: str | None) -> Iterator[Item]:
    for number, line in enumerate(_byte_lines(raw), start=1):
        if not line.strip():
            continue
        where = f"{locator}#line={number}"
        try:
            obj = _load_json(decode(line))
            yield draft_from_object(obj, where, line, "application/json", source or "jsonl")
        except ItemError as exc:
            yield Failure(where, str(exc))


def _byte_lines(raw: bytes) -> list[bytes]:
    """The lines of a JSONL file. UTF-16 (PowerShell's `>` writes it) cannot be cut at the byte
    b"\\n", which is half of a character there: it is decoded whole and its lines handed on as
    UTF-8. Any other encoding is decoded line by line, so one bad line fails alone."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_order(raw[:65536]):
        return [line.encode("utf-8") for line in LINES.split(decode(raw))]
    return raw.splitlines()


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


def _collection(path: Path) -> str | None:
    """The source of items in a JSON or JSONL file that name none: the file, by its name. One
    word shared by every file ("jsonl") would let one export's ids ("1", "2"...) pre-empt the
    same ids of every other export, as duplicates under the key (source, external id)."""
    return shown(path.stem) or None


def _default(path: Path, source: str | None) -> str:
    return source or shown(path.parent.name) or "files"
