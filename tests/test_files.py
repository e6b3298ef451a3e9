"""The file readers as plain functions, on real files: txt, html, json, jsonl, Telegram exports.

`read_file` must turn every broken file or item into a `Failure` with a reason a person can act
on, and keep reading the good items around it; nothing here is mocked.
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outpost import dedup
from outpost.ingest.files import expand, read_file
from outpost.records import Draft, Failure

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
VOA = ROOT.parent / "shared" / "data" / "voa" / "voa_stories.jsonl"

ARTICLE = (
    "The Collective Security Treaty Organization held a summit in Dushanbe on Thursday. "
    "Leaders agreed to reinforce the Tajik-Afghan border and to counter the recruitment of "
    "citizens through the internet and social media."
)


def read_all(path: Path) -> list[Draft | Failure]:
    return list(read_file(path))


def drafts(items: list[Draft | Failure]) -> list[Draft]:
    return [i for i in items if isinstance(i, Draft)]


def failures(items: list[Draft | Failure]) -> list[Failure]:
    return [i for i in items if isinstance(i, Failure)]


def only_failure(path: Path) -> Failure:
    """The single failure a broken file must give (one item, never an exception)."""
    items = read_all(path)
    assert len(items) == 1, items
    assert isinstance(items[0], Failure), items[0]
    assert items[0].locator == str(path)
    return items[0]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- the examples folder -------------------------------------------------------------------


def test_expand_examples_finds_texts_and_html_but_not_sidecars() -> None:
    names = [p.name for p in expand(EXAMPLES)]
    assert names == sorted(names)  # a stable order, so runs are reproducible
    assert sum(n.endswith(".txt") for n in names) == 2
    assert sum(n.endswith(".html") for n in names) == 1
    assert sum(n.endswith(".jsonl") for n in names) == 1
    assert not [n for n in names if n.endswith(".meta.json")]
    assert len(names) == 4


def test_expand_skips_hidden_and_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "b.txt").write_text(ARTICLE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.JSONL").write_text("{}")
    assert expand(tmp_path) == [tmp_path / "a.txt", tmp_path / "sub" / "c.JSONL"]


def test_expand_of_a_file_is_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"  # even unsupported: read_file then says why it is refused
    assert expand(path) == [path]


def test_examples_read_as_eight_drafts() -> None:
    items = [item for path in expand(EXAMPLES) for item in read_file(path)]
    assert not failures(items)
    assert len(drafts(items)) == 8


@pytest.mark.parametrize(
    ("prefix", "external_id", "published"),
    [("000_", "seed-000", utc(2021, 9, 16, 18)), ("002_", "seed-002", utc(2021, 8, 23, 16))],
)
def test_seed_text_carries_sidecar_metadata(
    prefix: str, external_id: str, published: datetime
) -> None:
    (path,) = [p for p in expand(EXAMPLES) if p.name.startswith(prefix)]
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.external_id == external_id
    assert draft.published == published
    assert draft.published.utcoffset() is not None
    assert draft.lang == "en"
    assert draft.source.startswith(("News report", "Official readout"))  # the sidecar's source
    assert draft.title and "Afghanistan" in draft.title
    assert draft.media_type == "text/plain"
    assert draft.raw == path.read_bytes()
    assert "CSTO" in draft.text


def test_html_example_is_the_article_without_boilerplate() -> None:
    (path,) = [p for p in expand(EXAMPLES) if p.suffix == ".html"]
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert "Afghan Taliban have rejected" in draft.text
    for boilerplate in (
        "Sign up for our newsletter",
        "Follow the money",  # a reader's comment
        "Share on Facebook",
        "Privacy policy",
        "We use cookies",
    ):
        assert boilerplate not in draft.text
    assert draft.media_type == "text/html"
    assert draft.url is not None and draft.url.startswith("https://www.voanews.com/")
    assert draft.lang == "en"


# --- txt and html --------------------------------------------------------------------------


def test_txt_without_sidecar_takes_title_from_first_line_and_folder_as_source(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    path = folder / "summit.txt"
    path.write_text(f"Summit in Dushanbe\n\n{ARTICLE}\n")
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.title == "Summit in Dushanbe"
    assert draft.source == "reports"
    assert draft.published is None and draft.external_id is None
    assert draft.text.endswith("social media.")  # stripped


def test_explicit_source_wins_over_folder_name(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    (draft,) = read_file(path, source="analyst upload")
    assert isinstance(draft, Draft)
    assert draft.source == "analyst upload"


def test_bad_sidecar_is_a_failure_of_its_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    (tmp_path / "a.meta.json").write_text("{not json")
    assert "bad metadata file a.meta.json" in only_failure(path).reason


def test_sidecar_that_is_not_an_object_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    (tmp_path / "a.meta.json").write_text('["seed"]')
    assert "expected a JSON object" in only_failure(path).reason


def test_html_sidecar_overrides_page_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html lang='ru'><head><title>Page title</title></head>"
        f"<body><article><p>{ARTICLE}</p><p>{ARTICLE}</p></article></body></html>"
    )
    (tmp_path / "page.meta.json").write_text(json.dumps({"title": "From sidecar", "lang": "en"}))
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.title == "From sidecar"
    assert draft.lang == "en"
    assert "Dushanbe" in draft.text


def test_html_without_an_article_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    assert "no article text" in only_failure(path).reason


# --- JSONL ---------------------------------------------------------------------------------

GOOD_FULL = {
    "id": "8011115",
    "text": ARTICLE,
    "title": "Summit in Dushanbe",
    "url": "https://www.voanews.com/a/summit/8011115.html",
    "published": "2025-03-14 20:30:26Z",
    "source": "VOA",
    "lang": "en-US",
}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_good_line_keeps_every_field(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [json.dumps(GOOD_FULL)])
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.text == ARTICLE
    assert draft.title == "Summit in Dushanbe"
    assert draft.url == GOOD_FULL["url"]
    assert draft.published == utc(2025, 3, 14, 20, 30, 26)
    assert draft.source == "VOA"
    assert draft.lang == "en"
    assert draft.external_id == "8011115"
    assert draft.locator == f"{path}#line=1"
    assert draft.media_type == "application/json"
    assert json.loads(draft.raw) == GOOD_FULL  # the line exactly as read


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2025-03-14 20:30:26Z", utc(2025, 3, 14, 20, 30, 26)),
        ("2025-03-14T20:30:26+00:00", utc(2025, 3, 14, 20, 30, 26)),
        ("2021-09-16T21:00:00+03:00", utc(2021, 9, 16, 18)),  # Dushanbe-ish offsets → UTC
        ("2021-09-16T13:00:00-05:00", utc(2021, 9, 16, 18)),
        ("2021-09-16T18:00:00", utc(2021, 9, 16, 18)),  # no zone: taken as UTC
        ("2021-09-16", utc(2021, 9, 16)),
        ("Thu, 16 Sep 2021 18:00:00 GMT", utc(2021, 9, 16, 18)),
        ("Thu, 16 Sep 2021 21:00:00 +0300", utc(2021, 9, 16, 18)),
        ("16 September 2021", utc(2021, 9, 16)),
        (1631815200, utc(2021, 9, 16, 18)),  # Unix seconds
        (1631815200.5, utc(2021, 9, 16, 18, 0, 0, 500000)),
        (None, None),
        ("", None),
    ],
)
def test_jsonl_published_formats_become_utc(
    tmp_path: Path, published: object, expected: datetime | None
) -> None:
    path = write_lines(
        tmp_path / "a.jsonl", [json.dumps({"text": ARTICLE, "published": published})]
    )
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.published == expected
    if draft.published is not None:
        assert draft.published.utcoffset() == UTC.utcoffset(None)


def test_jsonl_integer_id_is_kept_as_text(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [json.dumps({"text": ARTICLE, "id": 42})])
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.external_id == "42"
    assert draft.source == "a"  # the file's name when neither the line nor the caller names one


def test_jsonl_broken_lines_fail_alone(tmp_path: Path) -> None:
    """Each broken line is a failure at its own line number; the good lines are still read."""
    lines = [
        json.dumps(GOOD_FULL),  # 1
        '{"text": "cut off',  # 2
        '["a", "list"]',  # 3
        json.dumps({"title": "no text here"}),  # 4
        json.dumps({"text": ARTICLE, "published": "not a date at all"}),  # 5
        "",  # 6: blank lines are skipped, not failures
        json.dumps({"text": ARTICLE, "url": "ftp://example.org/file.txt"}),  # 7
        json.dumps({"text": ARTICLE, "lang": "english language"}),  # 8
        json.dumps({"text": ARTICLE, "title": ["not", "text"]}),  # 9
        json.dumps({"text": "   "}),  # 10
        json.dumps({"text": ARTICLE, "id": "last"}),  # 11
    ]
    path = write_lines(tmp_path / "mixed.jsonl", lines)
    items = read_all(path)
    assert [d.external_id for d in drafts(items)] == ["8011115", "last"]
    assert [d.locator for d in drafts(items)] == [f"{path}#line=1", f"{path}#line=11"]
    reasons = {f.locator.rsplit("#line=", 1)[1]: f.reason for f in failures(items)}
    assert all(f.locator.startswith(f"{path}#line=") for f in failures(items))
    assert set(reasons) == {"2", "3", "4", "5", "7", "8", "9", "10"}
    assert reasons["2"].startswith("malformed JSON")
    assert "expected a JSON object, got list" in reasons["3"]
    assert "missing 'text'" in reasons["4"]
    assert "not a time" in reasons["5"]
    assert "not an http(s) URL" in reasons["7"]
    assert "not a language code" in reasons["8"]
    assert "'title' must be text" in reasons["9"]
    assert "missing 'text'" in reasons["10"]


def test_jsonl_windows_line_ends_and_bom_on_first_line(tmp_path: Path) -> None:
    path = tmp_path / "crlf.jsonl"
    body = "\r\n".join(json.dumps({"text": ARTICLE, "id": str(n)}) for n in range(3))
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    items = read_all(path)
    assert [d.external_id for d in drafts(items)] == ["0", "1", "2"]


def test_jsonl_bad_encoding_on_one_line_fails_that_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    good = json.dumps({"text": ARTICLE}).encode()
    path.write_bytes(good + b"\n" + b'{"text": "\x00\x01\x02"}' + b"\n" + good + b"\n")
    items = read_all(path)
    assert len(drafts(items)) == 2
    (failure,) = failures(items)
    assert failure.locator.endswith("#line=2")
    assert "binary" in failure.reason


# --- JSON ----------------------------------------------------------------------------------


def test_json_single_object(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(GOOD_FULL))
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.locator == str(path)  # one object: no item number needed
    assert draft.external_id == "8011115"
    assert draft.lang == "en"


def test_json_list_of_objects_numbers_items(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_text(json.dumps([{"text": ARTICLE, "id": "a"}, {"title": "x"}, {"text": ARTICLE}]))
    items = read_all(path)
    assert [i.locator for i in items] == [f"{path}#item={n}" for n in range(3)]
    assert isinstance(items[0], Draft) and items[0].external_id == "a"
    assert isinstance(items[1], Failure) and "missing 'text'" in items[1].reason
    assert isinstance(items[2], Draft) and items[2].source == "many"


def test_json_scalar_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "scalar.json"
    path.write_text("42")
    assert "expected a JSON object, got int" in only_failure(path).reason


def telegram_export() -> dict[str, object]:
    """A channel export as Telegram Desktop writes it (Settings → Export chat history → JSON).

    `date` is the exporter's local time without a zone (here Moscow, UTC+3); `date_unixtime`
    is the true instant, so it must be the one used.
    """
    return {
        "name": "Border Watch",
        "type": "public_channel",
        "id": 1234567890,
        "messages": [
            {
                "id": 1,
                "type": "service",
                "date": "2021-09-16T12:00:00",
                "date_unixtime": "1631782800",
                "actor": "Border Watch",
                "actor_id": "channel1234567890",
                "action": "create_channel",
                "title": "Border Watch",
                "text": "",
                "text_entities": [],
            },
            {
                "id": 2,
                "type": "message",
                "date": "2021-09-16T21:00:00",
                "date_unixtime": "1631815200",
                "from": "Border Watch",
                "from_id": "channel1234567890",
                "text": "Summit in Dushanbe: border reinforcement agreed.",
                "text_entities": [
                    {"type": "plain", "text": "Summit in Dushanbe: border reinforcement agreed."}
                ],
            },
            {
                "id": 3,
                "type": "message",
                "date": "2021-09-16T21:05:00",
                "date_unixtime": "1631815500",
                "edited": "2021-09-16T21:10:00",
                "edited_unixtime": "1631815800",
                "from": "Border Watch",
                "from_id": "channel1234567890",
                "text": [
                    "Leaders met in ",
                    {"type": "bold", "text": "Dushanbe"},
                    ". Full statement: ",
                    {"type": "text_link", "text": "here", "href": "https://en.odkb-csto.org/"},
                    " ",
                    {"type": "hashtag", "text": "#CSTO"},
                ],
                "text_entities": [],
            },
            {
                "id": 4,
                "type": "message",
                "date": "2021-09-16T21:06:00",
                "date_unixtime": "1631815560",
                "from": "Border Watch",
                "from_id": "channel1234567890",
                "photo": "photos/photo_1@16-09-2021_21-06-00.jpg",
                "width": 1280,
                "height": 720,
                "text": "",
                "text_entities": [],
            },
            {
                "id": 5,
                "type": "message",
                "date": "2021-09-17T09:00:00",
                "from": "Border Watch",
                "text": "   ",
            },
        ],
    }


def test_telegram_export_gives_one_draft_per_message_with_text(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(telegram_export(), ensure_ascii=False, indent=1))
    items = read_all(path)
    assert not failures(items)
    first, second = drafts(items)  # service, photo-only and blank messages are skipped
    assert first.text == "Summit in Dushanbe: border reinforcement agreed."
    assert second.text == "Leaders met in Dushanbe. Full statement: here #CSTO"
    assert {first.source, second.source} == {"Border Watch"}
    assert (first.external_id, second.external_id) == ("2", "3")
    assert first.locator == f"{path}#message=2"
    assert first.published == utc(2021, 9, 16, 18)  # from date_unixtime, not the local `date`
    assert second.published == utc(2021, 9, 16, 18, 5)
    assert first.media_type == "application/vnd.telegram.message+json"
    assert json.loads(first.raw)["id"] == 2


def test_telegram_message_without_unixtime_uses_date(tmp_path: Path) -> None:
    export = {"name": "C", "messages": [{"id": 9, "date": "2021-09-17T09:00:00", "text": "hi"}]}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export))
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.published == utc(2021, 9, 17, 9)


def test_telegram_broken_messages_fail_alone(tmp_path: Path) -> None:
    export = {
        "name": "C",
        "messages": [
            "not an object",
            {"id": 7, "date": "never", "text": "a message with a bad date"},
            {"id": 8, "text": "fine"},
        ],
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export))
    items = read_all(path)
    assert [d.external_id for d in drafts(items)] == ["8"]
    # A message without an id is named by its position, so the analyst can still find it.
    assert [(f.locator.split("#message=", 1)[1], f.reason) for f in failures(items)] == [
        ("#0", "message is not a JSON object"),
        ("7", "not a time: 'never'"),
    ]


# --- broken files --------------------------------------------------------------------------


def test_binary_file_named_txt(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(64))
    assert "binary" in only_failure(path).reason


def test_random_undecodable_bytes(tmp_path: Path) -> None:
    rng = random.Random(20210916)  # no NUL bytes, so the encoding guesser has to refuse it
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4096)))
    reason = only_failure(path).reason
    assert "undecodable" in reason or "binary" in reason


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n  "])
def test_empty_txt(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert only_failure(path).reason == "empty text file"


def test_malformed_json_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"text": "a",\n "title": }')
    assert only_failure(path).reason.startswith("malformed JSON")


@pytest.mark.parametrize(("name", "shown"), [("report.pdf", "'.pdf'"), ("README", "'(none)'")])
def test_unsupported_suffix_given_explicitly(tmp_path: Path, name: str, shown: str) -> None:
    path = tmp_path / name
    path.write_text(ARTICLE)
    assert only_failure(path).reason == f"unsupported file type {shown}"


def test_missing_path(tmp_path: Path) -> None:
    assert only_failure(tmp_path / "nowhere.txt").reason == "no such file or folder"


def test_folder_given_as_a_file(tmp_path: Path) -> None:
    path = tmp_path / "folder.json"
    path.mkdir()
    assert only_failure(path).reason == "is a folder"


# --- encodings -----------------------------------------------------------------------------

RUSSIAN = (
    "Саммит ОДКБ в Душанбе\n\n"
    "Саммит Организации Договора о коллективной безопасности прошёл в Душанбе. Участники "
    "договорились усилить охрану таджикско-афганской границы и противодействовать вербовке "
    "граждан через интернет и социальные сети."
)


@pytest.mark.parametrize(
    "encoded",
    [
        RUSSIAN.encode("cp1251"),  # the usual legacy encoding of Russian sources
        RUSSIAN.encode("utf-8"),
        b"\xef\xbb\xbf" + RUSSIAN.encode("utf-8"),
        RUSSIAN.encode("utf-16"),  # with the BOM of this machine's byte order
        b"\xff\xfe" + RUSSIAN.encode("utf-16-le"),
        b"\xfe\xff" + RUSSIAN.encode("utf-16-be"),
    ],
    ids=["cp1251", "utf-8", "utf-8-bom", "utf-16", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_encodings_decode_to_the_same_text(tmp_path: Path, encoded: bytes) -> None:
    path = tmp_path / "ru.txt"
    path.write_bytes(encoded)
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.text == RUSSIAN
    assert draft.title == "Саммит ОДКБ в Душанбе"
    assert draft.raw == encoded


# --- dedup helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://WWW.VOANews.com:443/a/story.html?utm_source=tw&b=2&fbclid=x&a=1#comments",
            "https://www.voanews.com/a/story.html?a=1&b=2",
        ),
        ("http://example.org:80/path/", "http://example.org/path"),
        ("http://example.org:8080/path/", "http://example.org:8080/path"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/", "https://example.org/"),
        ("https://example.org//", "https://example.org/"),  # the root stays the root
        ("https://example.org./x?utm_campaign=a&utm_medium=b", "https://example.org/x"),
        ("https://example.org/x?gclid=1&ref=home&q=afghan", "https://example.org/x?q=afghan"),
        ("  https://example.org/x?z=&a=  ", "https://example.org/x?a=&z="),  # blanks kept
        ("https://example.org/x?a", "https://example.org/x?a"),  # a bare key stays bare
        ("https://example.org/x?b&a=&a", "https://example.org/x?a&a=&b"),
        ("https://example.org/x?q=a+b%26c&&utm_source", "https://example.org/x?q=a+b%26c"),
        ("https://example.org/CaseKept", "https://example.org/CaseKept"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert dedup.canonical_url(url) == canonical
    assert dedup.canonical_url(canonical) == canonical


def test_canonical_url_keeps_ipv6_hosts_valid() -> None:
    # The brackets must survive: without them the port cannot be read back.
    assert dedup.canonical_url("http://[::1]:8080/x/") == "http://[::1]:8080/x"
    assert dedup.canonical_url("http://[::1]:80/") == "http://[::1]/"


def test_canonical_url_without_host_is_stable() -> None:
    # With no host, a path "//x" would be read back as the host "x" on the next call.
    assert dedup.canonical_url("http:////0") == "http:///0"
    assert dedup.canonical_url("http:///0") == "http:///0"


def test_normalise_text() -> None:
    assert dedup.normalise_text("  Ｔｈｅ\u00a0CSTO\n\n\tSummit  ") == "the csto summit"
    assert dedup.normalise_text("Straße") == dedup.normalise_text("STRASSE")
    assert dedup.text_hash("A  b") == dedup.text_hash("a b\n")


def voa_texts() -> list[str]:
    with VOA.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def edited(text: str) -> str:
    """A wire story re-published with small edits: a word changed, one dropped, a line added."""
    words = text.split()
    words[10] = "reportedly"
    del words[25]
    words[40] = words[40].upper()
    return " ".join(words) + "\nThis story was updated with additional reporting."


def test_small_edits_are_near_duplicates() -> None:
    text = voa_texts()[0]
    a, b = dedup.shingles(text), dedup.shingles(edited(text))
    assert dedup.jaccard(a, b) >= dedup.NEAR_DUPLICATE
    assert set(dedup.bands(a)) & set(dedup.bands(b))  # so the pair is compared at all


def test_unrelated_voa_stories_are_not_near_duplicates() -> None:
    grams = [dedup.shingles(t) for t in voa_texts()]
    assert len(grams) > 50
    keys = [set(dedup.bands(g)) for g in grams]
    for i, j in itertools.combinations(range(len(grams)), 2):
        assert dedup.jaccard(grams[i], grams[j]) < dedup.NEAR_DUPLICATE, (i, j)
        assert not keys[i] & keys[j], (i, j)


def test_short_texts_have_no_bands() -> None:
    assert dedup.bands(dedup.shingles("Taliban reject claim")) == []
    assert dedup.fingerprint([]) == ""


# --- hostile JSON: each of these once escaped read_file as an exception ---------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 100_000, "malformed JSON: nested too deeply"),
        (b'{"text": "x", "n": ' + b"1" * 5000 + b"}", "malformed JSON: Exceeds the limit"),
    ],
    ids=["deep-nesting", "huge-integer"],
)
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_the_parser_refuses_is_a_failure(
    tmp_path: Path, suffix: str, content: bytes, reason: str
) -> None:
    path = tmp_path / f"hostile{suffix}"
    path.write_bytes(content)
    (failure,) = read_all(path)
    assert isinstance(failure, Failure)
    assert failure.reason.startswith(reason)


def test_sidecar_the_parser_refuses_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    (tmp_path / "a.meta.json").write_bytes(b"[" * 100_000)
    assert (
        only_failure(path).reason
        == "bad metadata file a.meta.json: malformed JSON: nested too deeply"
    )


def test_lone_surrogate_escapes_are_replaced_not_fatal(tmp_path: Path) -> None:
    """ "\\ud800" is valid JSON but not valid Unicode: no UTF-8 store could hold it."""
    path = tmp_path / "a.json"
    path.write_bytes(rb'[{"text": "cut emoji \ud83d here", "title": "t\udc00"}, {"text": "ok"}]')
    first, second = read_all(path)
    assert isinstance(first, Draft) and isinstance(second, Draft)
    assert first.text == "cut emoji \ufffd here"
    assert first.title == "t\ufffd"
    assert json.loads(first.raw) == {"text": "cut emoji \ud83d here", "title": "t\udc00"}


def test_paired_surrogate_escapes_are_the_emoji(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(rb'{"text": "flag \ud83c\uddf9\ud83c\uddef"}' + b"\n")
    (draft,) = read_all(path)
    assert isinstance(draft, Draft)
    assert draft.text == "flag \U0001f1f9\U0001f1ef"


def test_nul_escapes_are_dropped(tmp_path: Path) -> None:
    """PostgreSQL text cannot hold NUL, and "\\u0000" is valid JSON."""
    path = tmp_path / "a.jsonl"
    path.write_bytes(rb'{"text": "a\u0000b", "source": "s\u0000"}' + b"\n" + rb'{"text": "\u0000"}')
    draft, failure = read_all(path)
    assert isinstance(draft, Draft) and (draft.text, draft.source) == ("ab", "s")
    assert isinstance(failure, Failure) and "missing 'text'" in failure.reason


def test_telegram_hostile_messages(tmp_path: Path) -> None:
    export = {
        "name": "Chan\udc00",
        "messages": [
            {"id": 1, "text": "superscript time", "date_unixtime": "²"},  # "²".isdigit() is true
            {"id": 2, "text": "long time", "date_unixtime": "9" * 5000},
            {"id": 3, "text": ["broken ", {"type": "bold", "text": "\ud800"}]},
        ],
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export))  # ASCII with escapes, as some exporters write it
    items = read_all(path)
    assert all(isinstance(i, Draft) for i in items), items
    assert [i.external_id for i in drafts(items)] == ["1", "2", "3"]
    assert {i.source for i in drafts(items)} == {"Chan\ufffd"}
    assert drafts(items)[2].text == "broken \ufffd"
    assert drafts(items)[0].published is None  # no usable time: neither unixtime nor date


@pytest.mark.parametrize(
    "published",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "1;1;0T00-3000"],
)
def test_times_outside_what_utc_can_hold_are_failures(tmp_path: Path, published: str) -> None:
    path = write_lines(
        tmp_path / "a.jsonl", [json.dumps({"text": ARTICLE, "published": published})]
    )
    (failure,) = read_all(path)
    assert isinstance(failure, Failure)
    assert failure.reason.startswith("not a time")


def test_non_ascii_language_code_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [json.dumps({"text": ARTICLE, "lang": "ру"})])
    (failure,) = read_all(path)
    assert isinstance(failure, Failure)
    assert "not a language code" in failure.reason
