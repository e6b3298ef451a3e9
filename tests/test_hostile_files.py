"""Hostile files and fields (issue 11), replayed on real files, FIFOs, links and folders, and
stored in a real SQLite file and a real PostgreSQL schema: no name, file type, encoding or
control sequence may stop a folder ingest, and nothing stored may drive a terminal."""

from __future__ import annotations

import json
import os
import random
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, select

from outpost.config import Settings
from outpost.ingest.files import _read_bytes, decode, estimate, expand, read_file
from outpost.records import Draft, Failure
from outpost.services.ingest import ingest
from outpost.store.failures import list_failures
from outpost.store.schema import articles
from tests.corpus import edited, passages
from tests.test_hostile_store import as_another_user

ARTICLE = (
    "The Collective Security Treaty Organization held a summit in Dushanbe on Thursday. "
    "Leaders agreed to reinforce the Tajik-Afghan border and to counter the recruitment of "
    "citizens through the internet and social media."
)
RUSSIAN = (
    "Президент Казахстана заявил, что ситуация в Афганистане требует коллективной воли всех "
    "сторон. Наркотрафик и незаконная миграция остаются острыми проблемами."
)
T = TypeVar("T")


def finished(work: Callable[[], T], seconds: float = 10.0) -> T:
    """The result of `work`, which must return within `seconds` (a read that waits for a FIFO
    writer would block the whole ingest forever)."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked"
    return result[0]


def only_failure(path: Path) -> Failure:
    items = finished(lambda: list(read_file(path)))
    assert len(items) == 1 and isinstance(items[0], Failure), items
    return items[0]


def stored(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(articles).order_by(articles.c.id)).all()
    return [dict(r._mapping) for r in rows]


# --- file names, links and file types (item 9) ---------------------------------------------


def test_folder_with_a_name_that_is_not_utf8_is_ingested_on_both_databases(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    odd = folder / os.fsdecode(b"caf\xe9 \xff.txt")  # Latin-1 bytes: not UTF-8
    odd.write_text(ARTICLE, encoding="utf-8")
    (folder / "b.txt").write_text(RUSSIAN, encoding="utf-8")
    first = ingest(engine, settings, [str(folder)])
    assert (first.new, first.failed) == (2, 0)
    locators = [str(row["locator"]) for row in stored(engine)]
    assert str(folder / "caf\\xe9 \\xff.txt") in locators
    second = ingest(engine, settings, [str(folder)])  # every run, not only the first
    assert (second.duplicate, second.failed) == (2, 0)


def test_a_folder_whose_name_is_not_utf8_is_a_safe_source(tmp_path: Path) -> None:
    folder = tmp_path / os.fsdecode(b"\xc0\xc1")
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (draft,) = [i for p in expand(folder) for i in read_file(p)]
    assert isinstance(draft, Draft)
    assert draft.source == "\\xc0\\xc1"
    draft.source.encode("utf-8")  # a store can hold it


def test_symlinks_out_of_the_folder_are_refused_and_inside_are_read_once(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "system"
    outside.mkdir()
    secret = outside / "passwd.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash " * 10, encoding="utf-8")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "story.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "leak.txt").symlink_to(secret)
    (folder / "escape").symlink_to(outside, target_is_directory=True)
    (folder / "same.txt").symlink_to(folder / "sub" / "story.txt")
    (folder / "broken.txt").symlink_to(tmp_path / "missing.txt")
    summary = ingest(engine, settings, [str(folder)])
    assert (summary.new, summary.duplicate, summary.failed) == (1, 0, 3)
    reasons = {Path(f.locator).name: f.reason for f in summary.failures}
    assert "outside the folder being read: not followed" in reasons["leak.txt"]
    assert "outside the folder being read" in reasons["escape"]
    assert reasons["broken.txt"].startswith("broken symbolic link")
    assert all("root:x" not in str(row["text"]) for row in stored(engine))


def test_a_link_named_on_the_command_line_is_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "story.txt"
    target.parent.mkdir()
    target.write_text(ARTICLE, encoding="utf-8")
    link = tmp_path / "latest.txt"
    link.symlink_to(target)
    (path,) = expand(link)
    (draft,) = read_file(path)
    assert isinstance(draft, Draft) and draft.text == ARTICLE


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    fifo = folder / "feed.jsonl"
    os.mkfifo(fifo)
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    paths = finished(lambda: expand(folder))
    assert paths == [folder / "a.txt", fifo]
    assert finished(lambda: estimate(fifo)) == 1
    assert only_failure(fifo).reason == "not a regular file but a FIFO (named pipe): not read"
    os.mkfifo(folder / "a.meta.json")  # a sidecar is opened the same way
    assert only_failure(folder / "a.txt").reason == (
        "bad metadata file a.meta.json: not a regular file but a FIFO (named pipe): not read"
    )


def test_a_device_is_never_read() -> None:
    # /dev/zero never ends: read whole, it would exhaust memory; its size says 0
    failure = only_failure(Path(os.devnull).with_name("zero"))
    assert failure.reason == "not a regular file but a device: not read"


def test_reads_are_capped_by_what_is_read_not_by_the_size_stat_gives(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 100)
    assert _read_bytes(path, cap=100) == b"x" * 100
    with pytest.raises(Exception, match="file is larger than 99 bytes"):
        _read_bytes(path, cap=99)


def test_a_sparse_file_over_the_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024 + 1)  # sparse: no disk, but 200 MiB if read
    assert only_failure(path).reason == "file is larger than 200 MiB"


def test_an_unreadable_sub_folder_is_a_failure_with_its_reason() -> None:
    # Run as a user without rights (root reads a chmod 000 folder anyway), in a folder that
    # user can reach: pytest's tmp_path sits in a folder only root may enter.
    with tempfile.TemporaryDirectory() as top:
        Path(top).chmod(0o755)
        folder = Path(top) / "in"
        locked = folder / "locked"
        locked.mkdir(parents=True)
        (locked / "a.txt").write_text(ARTICLE, encoding="utf-8")
        (folder / "b.txt").write_text(ARTICLE, encoding="utf-8")
        closed = folder / "c.txt"
        closed.write_text(ARTICLE, encoding="utf-8")
        folder.chmod(0o755)
        locked.chmod(0)
        closed.chmod(0)

        def walk() -> str:
            paths = expand(folder)
            reasons = [only_failure(locked).reason, only_failure(closed).reason]
            return json.dumps([[str(p) for p in paths], reasons])

        try:
            paths, reasons = json.loads(as_another_user(walk))
        finally:
            locked.chmod(0o755)
    assert paths == [str(folder / "b.txt"), str(closed), str(locked)]
    assert reasons == ["cannot read folder: Permission denied", "cannot read: Permission denied"]


def test_a_sub_folder_that_cannot_be_listed_is_a_failure_even_for_root(tmp_path: Path) -> None:
    """A folder whose path is longer than the system allows cannot be listed by anyone, root
    included: the same failure path as an unreadable folder, on any account."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "b.txt").write_text(ARTICLE, encoding="utf-8")
    deep = _nest(folder, levels=20)  # 20 x 250 characters: past PATH_MAX (4096)
    paths = expand(folder)
    assert paths[0] == folder / "b.txt" and len(paths) == 2
    assert len(str(paths[1])) > 4096 and str(deep).startswith(str(paths[1]))
    assert only_failure(paths[1]).reason == "cannot read: File name too long"


def _nest(folder: Path, levels: int) -> Path:
    """Folders nested by relative paths (the whole path is too long for one system call)."""
    fd = os.open(folder, os.O_RDONLY)
    path = folder
    try:
        for _ in range(levels):
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
            path = path / ("d" * 250)
    finally:
        os.close(fd)
    return path


# --- encodings (item 9) --------------------------------------------------------------------


@pytest.mark.parametrize("text", [ARTICLE, RUSSIAN, "Привет", "Ещё"])
def test_utf8_cut_inside_its_last_character_stays_utf8(tmp_path: Path, text: str) -> None:
    raw = (text + "ё").encode("utf-8")[:-1]  # "ё" is two bytes: one is cut off
    assert decode(raw) == text + "\ufffd"
    path = tmp_path / "cut.txt"
    path.write_bytes(raw)
    (draft,) = read_file(path)
    assert isinstance(draft, Draft) and draft.text == text + "\ufffd"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [ARTICLE, RUSSIAN])
def test_utf16_without_bom_is_text_not_binary(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode(encoding))
    (draft,) = read_file(path)
    assert isinstance(draft, Draft) and draft.text == text
    assert decode(text.encode(encoding)[:-1]) == text[:-1] + "\ufffd"  # cut mid-character


def test_binary_with_nul_bytes_on_both_sides_is_still_binary() -> None:
    with pytest.raises(Exception, match="binary"):
        decode(bytes(range(256)) * 8)


# --- control sequences in stored fields (item 7) -------------------------------------------

HOSTILE = {
    "title": "Breaking\x1b[2J\x1b[H: \x1b]52;c;ZXZpbA==\x07summit\r\nin \u202eDushanbe\u202c",
    "source": "\x1b]8;;http://evil.example/\x1b\\VOA\x1b]8;;\x1b\\\x9b31m",
    "id": "id-\x1b[31m7\x7f\x85",
    "url": "https://example.org/a\x1b[0m?x=1\u2066",
    "text": ARTICLE + "\n\tIndented\x1b[8m hidden\x1b[0m\r\nnext\u200f line\x07\x9d0;title\x9c.",
}


def test_control_sequences_are_stripped_from_every_field_on_both_databases(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    summary = ingest(engine, settings, [str(path)])
    assert (summary.new, summary.failed) == (1, 0)
    (row,) = stored(engine)
    assert row["title"] == "Breaking: summit in Dushanbe"
    assert row["source"] == "VOA"
    assert row["external_id"] == "id-7"
    assert row["url"] == "https://example.org/a?x=1"
    assert row["text"] == ARTICLE + "\n\tIndented hidden\nnext line."


def test_a_file_name_with_escape_codes_is_stored_escaped(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "\x1b[2Jnews\u202e.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "\x1b]52;c;eA==\x07bad.jsonl").write_text("{broken\n", encoding="utf-8")
    summary = ingest(engine, settings, [str(folder)])
    assert (summary.new, summary.failed) == (1, 1)
    (row,) = stored(engine)
    assert row["locator"] == str(folder / "\\x1b[2Jnews\\u202e.txt")
    with engine.connect() as conn:
        (failure,) = list_failures(conn)
    assert failure.locator == str(folder / "\\x1b]52;c;eA==\\x07bad.jsonl") + "#line=1"


# --- concurrent writers (item 10) ----------------------------------------------------------


def near_duplicate_families(families: int, members: int) -> list[list[str]]:
    """Families of texts that are all near duplicates of each other (a few words changed)."""
    rng = random.Random(11)
    texts = passages()
    bases = [" ".join(texts[2 * i : 2 * i + 2]) for i in range(families)]
    return [[edited(base, rng) for _ in range(members)] for base in bases]


def test_concurrent_ingests_link_every_near_duplicate(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    families = near_duplicate_families(families=25, members=6)
    halves = []
    for half in (0, 1):  # each ingest takes every other member: both meet every family at once
        path = tmp_path / f"half{half}.jsonl"
        lines = [json.dumps({"text": f[m]}) for f in families for m in range(half, 6, 2)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        halves.append(path)
    start = threading.Barrier(2)

    def run(path: Path) -> None:
        start.wait()
        ingest(engine, settings, [str(path)])

    threads = [threading.Thread(target=run, args=(p,)) for p in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = stored(engine)
    assert len(rows) == 25 * 6
    family_of = {text: n for n, family in enumerate(families) for text in family}
    originals = [family_of[str(r["text"])] for r in rows if r["near_duplicate_of"] is None]
    assert sorted(originals) == list(range(25))  # one original per family, the rest linked


# --- identifiers and sizes (item 10) -------------------------------------------------------


def test_telegram_ids_null_absent_and_objects(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    texts = iter(passages()[40:50])
    ids: list[object] = [None, None, {"peer": 1}, [1], True, 7, "x8", 1.5]
    messages = [{"id": i, "type": "message", "text": next(texts)} for i in ids]
    messages.append({"type": "message", "text": next(texts)})  # no id at all
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "Channel", "id": 1, "messages": messages}), "utf-8")
    summary = ingest(engine, settings, [str(path)])
    assert (summary.new, summary.duplicate, summary.failed) == (5, 0, 4)
    # the three messages without an id are three articles, not one and two "duplicates"
    assert sorted(r["external_id"] or "" for r in stored(engine)) == ["", "", "", "7", "x8"]
    reasons = {f.locator.rsplit("=", 1)[1]: f.reason for f in summary.failures}
    assert reasons == {
        "#2": "message id must be a number, got an object",
        "#3": "message id must be a number, got a list",
        "#4": "message id must be a number, got true or false",
        "#7": "message id must be a number, got a fraction",
    }


FIFTY_MB = 50 * 1024 * 1024


def test_a_50_mb_article_is_refused_with_its_size_and_loses_nothing_else(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    words = ("convoy border summit " * (FIFTY_MB // 21 + 1))[:FIFTY_MB]
    big = tmp_path / "big.txt"
    big.write_text(words, encoding="utf-8")
    lines = tmp_path / "lines.jsonl"
    good = [json.dumps({"text": t}) for t in passages()[60:62]]
    lines.write_text("\n".join([good[0], json.dumps({"text": words}), good[1]]), "utf-8")
    summary = ingest(engine, settings, [str(big), str(lines)])
    assert (summary.new, summary.failed) == (2, 2)
    size = len(words.strip())
    reason = f"article text is {size:,} characters, over the cap of 1,000,000"
    assert {(Path(f.locator).name, f.reason.split(" (")[0]) for f in summary.failures} == {
        ("big.txt", reason),
        ("lines.jsonl#line=2", reason),
    }
    assert summary.failures[0].reason.endswith("(the article_max_chars setting)")


def test_exports_that_name_no_source_do_not_pre_empt_each_others_ids(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    texts = iter(passages()[70:82])
    for name in ("first.jsonl", "second.jsonl"):  # two exports, both numbering from 1
        items = [{"id": n, "text": next(texts)} for n in (1, 2)]
        (tmp_path / name).write_text("\n".join(json.dumps(i) for i in items), "utf-8")
    export = {"name": {"x": 1}, "messages": [{"id": 1, "text": next(texts)}]}
    (tmp_path / "result.json").write_text(json.dumps(export), "utf-8")
    summary = ingest(engine, settings, [str(tmp_path)])
    assert (summary.new, summary.duplicate, summary.failed) == (5, 0, 0)
    keys = sorted((str(r["source"]), str(r["external_id"])) for r in stored(engine))
    assert keys == [
        ("first", "1"),
        ("first", "2"),
        ("result", "1"),  # a channel name that is not text is no name: the file's name is
        ("second", "1"),
        ("second", "2"),
    ]


@pytest.mark.parametrize(("encoding", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"")])
def test_jsonl_in_utf16_reads_every_line(tmp_path: Path, encoding: str, bom: bytes) -> None:
    """PowerShell's `>` writes UTF-16 LE with a BOM; cut at the byte 0x0A, its lines would be
    split mid-character and every line after the first misread."""
    lines = [
        json.dumps({"text": t, "id": n}, ensure_ascii=False)
        for n, t in enumerate(passages()[90:92])
    ]
    lines.insert(1, json.dumps({"text": RUSSIAN}, ensure_ascii=False))
    lines.insert(2, "{broken")
    path = tmp_path / "export.jsonl"
    path.write_bytes(bom + "\r\n".join(lines).encode(encoding))
    items = list(read_file(path))
    assert [type(i).__name__ for i in items] == ["Draft", "Draft", "Failure", "Draft"]
    assert [i.text for i in items if isinstance(i, Draft)] == [
        *passages()[90:91],
        RUSSIAN,
        passages()[91],
    ]
    assert items[2].locator.endswith("#line=3")
