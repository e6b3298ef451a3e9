"""The interface in English and Russian: the catalogues hold exactly the strings the pages
and labels use, every one translated into Russian with its placeholders, the language is
chosen as documented, and dates and numbers follow the locale."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from outpost.web.i18n import LOCALE_DIR, LOCALES, Formats, choose, translations
from outpost.web.labels import TABLES

WEB = LOCALE_DIR.parent
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalogue(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def extracted() -> set[str]:
    """Every msgid in the pages' sources, found as `pybabel extract` with babel.cfg finds it."""
    with (WEB / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(WEB, method_map, options_map, keywords=DEFAULT_KEYWORDS)
    return {m if isinstance(m, str) else m[0] for _, _, m, _, _ in found}


def ids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.mark.parametrize("lang", LOCALES)
def test_catalogue_has_exactly_the_strings_of_the_sources(lang: str) -> None:
    sources = extracted()
    assert len(sources) > 150
    held = ids(catalogue(lang))
    assert sources - held == set(), "run the extract and update commands of web/i18n.py"
    assert held - sources == set(), "strings no page uses any more: update the catalogues"


def test_every_label_is_in_the_catalogue() -> None:
    held = ids(catalogue("ru"))
    for table in TABLES.values():
        assert set(table.values()) <= held


def test_every_russian_string_is_translated_with_its_placeholders() -> None:
    catalog = catalogue("ru")
    assert catalog.num_plurals == 3
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        wanted = set(PLACEHOLDER.findall(sources[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (message.id, text)
            assert "%" not in PLACEHOLDER.sub("", text), "a bare % breaks newstyle gettext"
        if not any(c.isalpha() for c in sources[0]):
            continue
        assert any("\u0400" <= c <= "\u04ff" for c in strings[0]) or sources[0] == strings[0]


def test_russian_plurals_follow_the_number() -> None:
    ru = translations("ru")
    assert ru.ngettext("%(num)s article", "%(num)s articles", 1) == "%(num)s статья"
    assert ru.ngettext("%(num)s article", "%(num)s articles", 3) == "%(num)s статьи"
    assert ru.ngettext("%(num)s article", "%(num)s articles", 5) == "%(num)s статей"
    assert ru.ngettext("%(num)s article", "%(num)s articles", 21) == "%(num)s статья"
    assert translations("en").gettext("Overview") == "Overview"
    assert ru.gettext("Overview") == "Обзор"


@pytest.mark.parametrize(
    ("cookie", "header", "chosen"),
    [
        ("ru", "en-GB,en;q=0.9", "ru"),  # the user's switch wins
        ("en", "ru", "en"),
        (None, "ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        (None, "de-DE,de;q=0.9,ru;q=0.5,en;q=0.4", "ru"),  # the best the pages have
        (None, "ru;q=0.2, en;q=0.8", "en"),
        (None, "en;q=0, ru;q=0.5", "ru"),  # q=0: not acceptable
        (None, "fr-FR", "en"),
        (None, "", "en"),
        (None, None, "en"),
        ("xx", ";;;,q=ru,,", "en"),  # nonsense in either
        (None, "ru;q=abc", "en"),
        (None, "kk, " * 500 + "ru", "en"),  # only the first 512 characters are read
    ],
)
def test_language_choice(cookie: str | None, header: str | None, chosen: str) -> None:
    assert choose(cookie, header) == chosen


def test_dates_and_numbers_follow_the_locale() -> None:
    en, ru = Formats("en"), Formats("ru")
    when = datetime(2025, 3, 14, 19, 40, 17, tzinfo=UTC)

    def plain(text: str) -> str:
        return text.replace("\xa0", " ").replace("\u202f", " ")

    assert plain(en.date(date(2025, 3, 14))) == "Mar 14, 2025"
    assert plain(ru.date("2025-03-14")) == "14 мар. 2025 г."
    assert ru.date("2025-03") == "2025-03" and en.date(None) == "—"
    assert plain(en.datetime(when)) == "Mar 14, 2025, 7:40:17 PM UTC"
    assert plain(ru.datetime(when)) == "14 мар. 2025 г., 19:40:17 UTC"
    assert plain(en.number(12345.678, 1)) == "12,345.7"
    assert plain(ru.number(12345.678, 1)) == "12 345,7"
    assert plain(ru.percent(0.32)) == "32 %"
    assert (en.country("PK"), ru.country("pk"), ru.country("ZZZ")) == (
        "Pakistan",
        "Пакистан",
        "ZZZ",
    )
    assert (ru.language("en"), ru.language("ru")) == ("английский", "русский")
