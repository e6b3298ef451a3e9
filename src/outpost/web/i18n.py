"""The pages in English and Russian: gettext catalogues read with Babel, the language chosen
by the user (a cookie) or else by the browser, dates and numbers formatted per locale.

The catalogues are `locale/<lang>/LC_MESSAGES/messages.po`, read at start-up and compiled in
memory: a .po file is the only form of a translation in the repository and the wheel, so no
build step can leave a stale .mo behind, and compiling two small catalogues costs
milliseconds once per process. After changing a visible string, from the repository root:

    pybabel extract -F src/outpost/web/babel.cfg -k N_ --no-location --sort-output \
        -w 100 -o src/outpost/web/locale/messages.pot src/outpost/web
    pybabel update -i src/outpost/web/locale/messages.pot -d src/outpost/web/locale \
        --no-fuzzy-matching --ignore-obsolete -w 100

then translate the new entries of each messages.po (tests/test_web_i18n.py fails while a
string is untranslated or fuzzy).
"""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LOCALES = ("en", "ru")
DEFAULT = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANG_COOKIE = "outpost_lang"
MAX_ACCEPT_LANGUAGE = 512  # characters of the header read; the rest is ignored


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang`, compiled in memory from its .po file (an empty msgstr, as in
    English, where the msgid is the text, shows the msgid)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The user's choice if valid, else the best of the browser's languages, else English."""
    if cookie in LOCALES:
        return str(cookie)
    wanted = _accepted(accept_language or "")
    return negotiate_locale(wanted, LOCALES, sep="-") or DEFAULT


def _accepted(header: str) -> list[str]:
    """Accept-Language tags in order of preference (q=0 excluded)."""
    ranked = []
    for position, part in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    tags = [tag for _, _, tag in sorted(ranked)]
    # "ru-RU" should find "ru": offer each tag's primary language after it.
    return [t for tag in tags for t in (tag, tag.split("-")[0])]


@dataclass(frozen=True)
class Formats:
    """Dates, numbers and names as the chosen locale writes them (times are shown in UTC)."""

    lang: str

    @functools.cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return f"{format_datetime(value, 'medium', tzinfo=UTC, locale=self.lang)} UTC"

    def date(self, value: date | str | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:  # a partial date (YYYY-MM or YYYY) reads as it is
                return str(value)
        return str(format_date(value, "medium", locale=self.lang))

    def month(self, value: str) -> str:
        """A month given as YYYY-MM, as the locale names it ("March 2025")."""
        try:
            first = date.fromisoformat(f"{value}-01")
        except ValueError:
            return value
        return str(format_date(first, "LLLL y", locale=self.lang))

    def number(self, value: float, digits: int = 0) -> str:
        pattern = "#,##0" + (f".{'0' * digits}" if digits else "")
        return str(format_decimal(value, format=pattern, locale=self.lang))

    def percent(self, value: float) -> str:
        return str(format_percent(value, locale=self.lang))

    def country(self, code: str | None) -> str:
        if not code:
            return "—"
        return str(self.locale.territories.get(code.upper(), code))

    def language(self, code: str | None) -> str:
        if not code:
            return "—"
        try:
            return str(self.locale.languages.get(code, code))
        except UnknownLocaleError:  # pragma: no cover - a code Babel does not know
            return code
