"""The pages' parts that need no store: map cells, chart series, sessions, addresses to go
back to, links out of an article, evidence slicing, static file versions, an article's facts
cut into parts, a search hit's passage, the filter form read, an upload's first field."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from outpost.records import (
    ArticleFacts,
    DateMention,
    EventRow,
    Mention,
    Place,
    PlacedEvents,
    Principal,
    Reading,
)
from outpost.web.assets import Assets
from outpost.web.charts import SHOWN_DAYS, series_json
from outpost.web.evidence import CONTEXT, highlight
from outpost.web.facts import Part, parts
from outpost.web.filters import read_filters
from outpost.web.mapdata import Located, cells, located_groups
from outpost.web.page import local_path
from outpost.web.search import excerpt
from outpost.web.security import first_field
from outpost.web.sessions import csrf_matches, csrf_token, decode, encode, new_session
from outpost.web.templating import safe_url, snippet_parts

KEY = b"k" * 32


def event(
    place: dict[str, object] | None, domains: list[str], start: int = 0, end: int = 5
) -> EventRow:
    return EventRow(
        id=1, article="a", title=None, type="ATTACK", score=0.5, confidence=0.5, date=None,
        deadline=None, country=None, place=place, actors=[], targets=[], domains=domains,
        evidence="", start=start, end=end,
    )  # fmt: skip


# Map cells ---------------------------------------------------------------------------------------


def test_events_at_one_place_are_one_cell_with_their_domains() -> None:
    groups = [
        PlacedEvents(37.49, 71.55, ("border_security", "terrorism"), 1),
        PlacedEvents(37.49, 71.55, ("terrorism",), 4),
        PlacedEvents(30.0, 70.0, (), 1),
        PlacedEvents(None, None, ("terrorism",), 7),
    ]
    shown, degrees = cells(located_groups(groups))
    assert degrees == 0.0
    assert shown == [
        {"lat": 37.49, "lon": 71.55, "count": 5, "domains": {"terrorism": 5, "border_security": 1}},
        {"lat": 30.0, "lon": 70.0, "count": 1, "domains": {}},
    ]


def test_places_without_valid_coordinates_are_left_off_the_map() -> None:
    groups = [
        PlacedEvents(None, None, (), 3),
        PlacedEvents(None, 71, (), 1),
        PlacedEvents(91, 0, (), 1),
        PlacedEvents(0, float("nan"), (), 1),
        PlacedEvents(0, float("inf"), (), 1),
        PlacedEvents(10, 10, (), 0),
        PlacedEvents(-33.9, 151.2, (), 2),
    ]
    assert located_groups(groups) == [Located(-33.9, 151.2, (), 2)]


def test_a_cell_of_many_places_sits_at_the_mean_of_its_events() -> None:
    heavy, light = Located(10.0, 20.0, (), 3), Located(10.2, 20.2, (), 1)
    [cell], size = cells([heavy, light], max_points=1)
    assert size == 0.25 and cell["count"] == 4
    assert (cell["lat"], cell["lon"]) == (10.05, 20.05)  # weighted by the events, not the places


def test_many_places_are_summed_into_cells_at_their_mean_position() -> None:
    rng = random.Random(7)
    items = [
        Located(rng.uniform(-60, 70), rng.uniform(-180, 180), ("terrorism",)) for _ in range(5000)
    ]
    shown, degrees = cells(items, max_points=400)
    assert degrees > 0 and len(shown) <= 400
    assert sum(c["count"] for c in shown) == 5000
    assert sum(c["domains"]["terrorism"] for c in shown) == 5000
    assert [c["count"] for c in shown] == sorted((c["count"] for c in shown), reverse=True)
    near = [Located(10.05, 20.05, ()), Located(10.2, 20.2, ())]  # one cell of a quarter degree
    [cell], size = cells(near, max_points=1)
    assert size == 0.25 and (cell["lat"], cell["lon"], cell["count"]) == (10.125, 20.125, 2)


# Chart series ------------------------------------------------------------------------------------


def test_a_series_marks_the_days_that_would_have_warned() -> None:
    history = (0, 1) * 30  # a quiet pattern for 60 days, then a burst and the day itself
    reading = Reading("country", "TJ", date(2025, 3, 14), 1, 0.5, 1.0, 0.0, (*history, 9), False)
    s = series_json(reading, "Tajikistan")
    assert len(s["values"]) == len(s["expected"]) == SHOWN_DAYS
    assert s["values"][-2:] == [9, 1] and s["start"] == "2025-02-01"
    assert s["spikes"] == [SHOWN_DAYS - 2]  # the burst, not the quiet days around it
    assert s["expected"][-1] == 0.5 and 0.3 < s["expected"][-2] < 0.7


def test_a_short_series_is_drawn_whole_and_never_marked_early() -> None:
    reading = Reading(
        "domain", "terrorism", date(2025, 1, 5), 3, 0.1, 1000.0, 3.0, (5, 0, 0, 0), False
    )
    s = series_json(reading, "Terrorism")
    assert s["values"] == [5, 0, 0, 0, 3] and s["start"] == "2025-01-01"
    assert s["spikes"] == []  # fewer than two weeks counted before any of these days


# Sessions ----------------------------------------------------------------------------------------


def test_a_session_round_trips_and_its_csrf_token_is_bound_to_it() -> None:
    now = datetime.now(UTC)
    session = new_session(now, Principal("person:a", "Анна <a@x>"))
    back = decode(KEY, encode(KEY, session), now)
    assert back is not None and back.principal == session.principal
    assert back.nonce == session.nonce and abs(back.expires - session.expires) < timedelta(
        seconds=1
    )
    other = new_session(now, session.principal)
    assert csrf_matches(KEY, back, csrf_token(KEY, session))
    assert not csrf_matches(KEY, other, csrf_token(KEY, session))
    assert not csrf_matches(KEY, None, csrf_token(KEY, session))
    assert not csrf_matches(KEY, back, None) and not csrf_matches(KEY, back, "é")


@pytest.mark.parametrize(
    "cookie",
    [None, "", "v1", "v1.a.b", "v2.x.y", "v1..", "x" * 2000, "v1.e30.AAAA", "v1.!!.??"],
)
def test_malformed_cookies_are_no_session(cookie: str | None) -> None:
    assert decode(KEY, cookie, datetime.now(UTC)) is None


def test_a_session_signed_over_bad_json_is_no_session() -> None:
    """Even a correctly signed payload must be a session (a key reused elsewhere)."""
    import base64
    import hashlib
    import hmac

    body = base64.urlsafe_b64encode(b'{"n": 1, "e": "soon", "p": [1]}').rstrip(b"=").decode()
    signature = hmac.new(KEY, f"v1.{body}".encode(), hashlib.sha256).digest()
    mark = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert decode(KEY, f"v1.{body}.{mark}", datetime.now(UTC)) is None


# Addresses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/alerts?state=new", "/alerts?state=new"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_only_a_local_path_is_gone_back_to(given: str | None, kept: str) -> None:
    assert local_path(given) == kept


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://www.voanews.com/a/x.html", "https://www.voanews.com/a/x.html"),
        ("http://example.org/", "http://example.org/"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("vbscript:x", None),
        ("//evil.example/", None),
        ("https:///nohost", None),
        ("http://[::1", None),
        (None, None),
    ],
)
def test_an_article_address_is_a_link_only_when_it_is_http(
    url: str | None, link: str | None
) -> None:
    assert safe_url(url) == link


# Evidence and static files -----------------------------------------------------------------------


def test_the_evidence_is_cut_out_of_a_long_text_with_context() -> None:
    text = "a" * (3 * CONTEXT) + "EVIDENCE" + "b" * (3 * CONTEXT)
    start = 3 * CONTEXT
    shown = highlight(text, event(None, [], start, start + 8))
    assert shown.evidence == "EVIDENCE" and shown.found
    assert len(shown.before) == len(shown.after) == CONTEXT
    assert shown.cut_before and shown.cut_after
    short = highlight("xy EVIDENCE z", event(None, [], 3, 11))
    assert (short.before, short.evidence, short.after) == ("xy ", "EVIDENCE", " z")
    assert not short.cut_before and not short.cut_after
    assert not highlight("abc", event(None, [], 2, 2)).found  # empty span


def test_a_static_files_version_is_its_content_hash(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("body{}")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.js").write_text("1")
    first = Assets(tmp_path)
    (tmp_path / "a.css").write_text("body{color:red}")
    second = Assets(tmp_path)
    assert first.url("sub/b.js") == second.url("sub/b.js")
    assert first.url("a.css") != second.url("a.css")
    assert first.url("a.css").startswith("/static/a.css?v=")
    with pytest.raises(KeyError):
        first.url("missing.js")


def test_search_matches_are_parts_to_mark_never_markup() -> None:
    assert snippet_parts("the «border» post «<b>» end") == [
        ("the ", False),
        ("border", True),
        (" post ", False),
        ("<b>", True),
        (" end", False),
    ]
    assert snippet_parts("no match") == [("no match", False)]
    assert snippet_parts("«only»") == [("only", True)]


# An article's facts, a search hit's passage ---------------------------------------------------

TEXT = "Tokayev met Rahmon in Dushanbe on Monday. The Khorog post"


def place(text: str, start: int, name: str) -> Place:
    return Place(text, start, start + len(text), name, 38.5, 68.8, "TJ", None, 1, "city", 1.0)


def test_each_stretch_of_text_shows_one_fact_the_actor_first() -> None:
    facts = ArticleFacts(
        article="a",
        mentions=(
            Mention("Tokayev", "PER", 0, 7, "Tokayev", "person:tokayev"),
            Mention("Rahmon in Dushanbe", "PER", 12, 30, "Rahmon", None),  # overlaps a place
            Mention("Khorog post", "LOC", 46, 57, "Khorog post", None),
            Mention("Nobody", "PER", 50, 99, "x", "person:tokayev"),  # past the text's end
        ),
        places=(place("Dushanbe", 22, "Dushanbe"), place("Khorog", 46, "Khorugh")),
        dates=(DateMention("Monday", 34, 40, "2025-03-10", "event"),),
        original=None,
        near_duplicates=(),
    )
    found = parts(TEXT, facts)
    assert "".join(p.text for p in found) == TEXT
    marked = [(p.text, p.kind, p.key) for p in found if p.kind]
    assert marked == [
        ("Tokayev", "actor", "person:tokayev"),
        ("Dushanbe", "place", None),  # the place wins over the longer unlinked name
        ("Monday", "date", "2025-03-10"),
        ("Khorog", "place", None),
    ]
    assert parts("plain", None) == [Part("plain")] and parts("", None) == []


def test_a_passage_marks_every_word_the_index_matched() -> None:
    text = "x " * 200 + "Военные в Афганистане и вокруг Афганистана. " + "y " * 300
    found = excerpt(text, "афганистан")
    assert [t for t, matched in found if matched] == ["Афганистане", "Афганистана"]
    assert found[0] == ("… ", False) and found[-1][0].endswith(" …")
    assert excerpt("no match here", "border") == [("no match here", False)]
    assert excerpt("text", "w " * 20) == [("text", False)]  # a query search refuses


# The filter form, an upload's first field -------------------------------------------------------


def test_the_filter_form_reads_days_whole_and_names_each_bad_value() -> None:
    asked = read_filters({"since": "2025-03-12", "until": "2025-03-13", "country": "pk"})
    assert asked.problems == ()
    assert asked.filters.since == datetime(2025, 3, 12, tzinfo=UTC)
    assert asked.filters.until == datetime(2025, 3, 14, tzinfo=UTC)  # the whole last day
    assert asked.filters.country == "PK"
    assert (
        asked.link("/events", "abc")
        == "/events?since=2025-03-12&until=2025-03-13&country=pk&cursor=abc"
    )
    bad = read_filters({"since": "0001-01-01", "domain": "x", "lang": "r", "q": " "})
    assert [p.name for p in bad.problems] == ["since", "domain", "lang"]
    assert bad.values == {"since": "0001-01-01", "domain": "x", "lang": "r"}  # q: empty
    assert read_filters({"actor": "Касым-Жомарт Токаев"}).filters.actor == "person:tokayev"


BOUNDARY = b"----form7"


def multipart(*fields: tuple[str, bytes]) -> bytes:
    parts = [
        b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="' + name.encode() + b'"'
        b"\r\n\r\n" + value + b"\r\n"
        for name, value in fields
    ]
    return b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


def test_an_uploads_token_is_read_from_its_first_field_only() -> None:
    assert first_field(multipart(("csrf_token", b"tok"), ("files", b"x")), BOUNDARY) == "tok"
    assert first_field(multipart(("files", b"x"), ("csrf_token", b"tok")), BOUNDARY) is None
    assert first_field(multipart(("csrf_token_x", b"tok")), BOUNDARY) is None
    assert first_field(multipart(("csrf_token", b"tok")), b"other") is None
    assert first_field(multipart(("csrf_token", b"tok"))[:60], BOUNDARY) is None  # cut short
    assert first_field(b"preamble\r\n" + multipart(("csrf_token", b"t")), BOUNDARY) is None
    assert first_field(multipart(("csrf_token", b"tok")), None) is None
