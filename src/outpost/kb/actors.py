"""The knowledge base of actors: `actors.yaml` shipped in the package, validated on load.

The YAML is the place to add or correct an actor; this module only reads it, refuses a broken
entry with a message that names it, and answers two questions the pipeline asks: who is this
id, and who held a title on a given day.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from outpost.records import Entity, Role

KB_FILE = "actors.yaml"
ENDINGS_FILE = "name_endings.yaml"
TYPES = ("PER", "ORG", "LOC")
PREFIX_TYPES = {"person": "PER", "org": "ORG", "group": "ORG", "country": "LOC"}
LANGUAGES = frozenset(
    "en ru kk ky tg uz fa ps tk az hy be uk tr de fr it zh mn ka ar ur hi".split()
)
REQUIRED = ("id", "type", "kind", "name", "wikidata", "country", "names")
OPTIONAL = ("roles", "no_scan", "languages", "clues")
ROLE_KEYS = frozenset({"title", "of", "start", "end"})
ID = re.compile(r"^(person|org|group|country):[A-Za-z0-9-]+$")
QID = re.compile(r"^Q[1-9][0-9]*$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")

# spaCy's labels for our types; NORP is left out on purpose: "Russian" is not Russia.
# libyaml's loader when PyYAML was built with it: ten times faster on a file this size.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SPACY_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}

# Titles that name the same function in different governments, so that "Prime Minister" of
# Kyrgyzstan finds the Chairman of the Cabinet of Ministers and "Foreign Minister" of the
# United States finds the Secretary of State.
TITLE_GROUPS = (
    frozenset(
        {
            "head of government",
            "prime minister",
            "premier",
            "chancellor",
            "chairman of the cabinet of ministers",
        }
    ),
    frozenset(
        {
            "foreign minister",
            "minister of foreign affairs",
            "secretary of state",
            "external affairs minister",
        }
    ),
)


class KBError(ValueError):
    """The knowledge base file is broken; the message names the entry and the problem."""


@dataclass(frozen=True)
class KnowledgeBase:
    entities: Mapping[str, Entity]  # id -> actor, in file order
    no_scan: Mapping[str, frozenset[str]]  # id -> aliases the dictionary scan must skip
    # A state's own languages and the words that point to it without naming it: what tells
    # which state's «ГКНБ» an article means (analyze.context).
    languages: Mapping[str, frozenset[str]] = field(default_factory=dict)  # country id -> langs
    clues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # country id -> words

    def get(self, id: str) -> Entity | None:
        return self.entities.get(id)

    def aliases(self) -> Iterator[tuple[str, str, Entity]]:
        """(language, alias, actor) for every name of every actor."""
        for entity in self.entities.values():
            for lang, names in entity.names.items():
                for alias in names:
                    yield lang, alias, entity

    def states_speaking(self, lang: str | None) -> frozenset[str]:
        """The country codes whose own language `lang` is (tg: TJ; fa: AF and IR)."""
        return frozenset(
            ident.partition(":")[2] for ident, langs in self.languages.items() if lang in langs
        )

    def holder(self, title: str, of: str, on: date) -> Entity | None:
        """Who held `title` of `of` (a country code or KB id) on the day `on`.

        An "Acting President" counts as holding "President". When the data overlap (dates
        known only to the month), the one who took office last wins.
        """
        wanted = _titles_like(title)
        best: tuple[date, Entity] | None = None
        for entity in self.entities.values():
            for role in entity.roles:
                if role.of.casefold() != of.casefold():
                    continue
                if _plain_title(role.title) not in wanted or not _holds(role, on):
                    continue
                start = _start(role.start)
                if best is None or start > best[0]:
                    best = (start, entity)
        return best[1] if best else None

    def ruler_patterns(self, lang: str) -> list[dict[str, str]]:
        """spaCy EntityRuler phrase patterns for one language's names, with `id` = KB id.

        Names shared by two actors (a surname like "Japarov") and names in `no_scan` are left
        out: a ruler cannot tell them apart, and it would tag ordinary words.
        """
        owners: dict[str, set[str]] = {}
        for _lang, alias, entity in self.aliases():
            owners.setdefault(alias, set()).add(entity.id)
        patterns: list[dict[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for entity in self.entities.values():
            for alias in entity.names.get(lang, ()):
                if len(owners[alias]) > 1 or alias in self.no_scan.get(entity.id, ()):
                    continue
                if (alias, entity.id) in seen:
                    continue
                seen.add((alias, entity.id))
                label = SPACY_LABELS[entity.type]
                patterns.append({"label": label, "pattern": alias, "id": entity.id})
        return patterns


@functools.cache
def load_kb() -> KnowledgeBase:
    """The knowledge base shipped with the package (read and validated once per process)."""
    text = resources.files("outpost.kb").joinpath(KB_FILE).read_text(encoding="utf-8")
    return parse_kb(text, KB_FILE)


@functools.cache
def load_endings() -> Mapping[str, tuple[str, ...]]:
    """Per language, the endings a name takes in running text (`name_endings.yaml`)."""
    text = resources.files("outpost.kb").joinpath(ENDINGS_FILE).read_text(encoding="utf-8")
    raw = yaml.load(text, Loader=_LOADER)
    if not isinstance(raw, dict):
        raise KBError(f"{ENDINGS_FILE}: expected languages mapped to lists of endings")
    endings: dict[str, tuple[str, ...]] = {}
    for lang, items in raw.items():
        if lang not in LANGUAGES or not isinstance(items, list):
            raise KBError(f"{ENDINGS_FILE}: {lang!r}: a known language with a list of endings")
        if not all(isinstance(e, str) and e.strip() for e in items):
            raise KBError(f"{ENDINGS_FILE}: {lang}: an empty or non-text ending in {items!r}")
        endings[lang] = tuple(items)
    return endings


def read_kb(path: Path) -> KnowledgeBase:
    """A knowledge base from another file (a deployment's own actors, or a test)."""
    return parse_kb(path.read_text(encoding="utf-8"), path.name)


def parse_kb(text: str, source: str) -> KnowledgeBase:
    try:
        raw = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise KBError(f"{source}: not valid YAML: {exc}") from exc
    return validate(raw, source)


def validate(raw: object, source: str) -> KnowledgeBase:
    """Check every entry and build the records; the first problem raises KBError."""
    if not isinstance(raw, list):
        raise KBError(f"{source}: expected a list of actors, got {type(raw).__name__}")
    entities: dict[str, Entity] = {}
    no_scan: dict[str, frozenset[str]] = {}
    languages: dict[str, frozenset[str]] = {}
    clues: dict[str, tuple[str, ...]] = {}
    for index, item in enumerate(raw, start=1):
        label = _entry_label(item, index)
        try:
            entity, skip = _entry(item)
            langs, words = _state_context(item, entity.id)
        except KBError as exc:
            raise KBError(f"{source}: {label}: {exc}") from None
        if entity.id in entities:
            raise KBError(f"{source}: {label}: duplicate id")
        entities[entity.id] = entity
        no_scan[entity.id] = skip
        if langs:
            languages[entity.id] = langs
        if words:
            clues[entity.id] = words
    for entity in entities.values():
        for role in entity.roles:
            if not COUNTRY.match(role.of) and role.of not in entities:
                raise KBError(
                    f"{source}: entry {entity.id}: role {role.title!r} of {role.of!r}: "
                    "'of' is neither a country code nor a KB id"
                )
    return KnowledgeBase(entities=entities, no_scan=no_scan, languages=languages, clues=clues)


def _entry_label(item: object, index: int) -> str:
    ident = item.get("id") if isinstance(item, dict) else None
    return f"entry {index} ({ident})" if isinstance(ident, str) else f"entry {index}"


def _entry(item: object) -> tuple[Entity, frozenset[str]]:
    if not isinstance(item, dict):
        raise KBError("an actor must be a mapping")
    missing = [key for key in REQUIRED if key not in item]
    unknown = sorted(set(item) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        raise KBError(f"missing fields {missing}, unknown fields {unknown}")
    ident = _text(item, "id")
    prefix = ident.partition(":")[0]
    if not ID.match(ident):
        raise KBError(f"id {ident!r} is not prefix:slug (person, org, group, country)")
    kind_of_type = _text(item, "type")
    if kind_of_type not in TYPES or PREFIX_TYPES[prefix] != kind_of_type:
        raise KBError(f"type {kind_of_type!r} does not fit id prefix {prefix!r}")
    wikidata = _optional(item, "wikidata", QID, "a Q-id like Q7747")
    country = _optional(item, "country", COUNTRY, "an ISO alpha-2 code like KZ")
    if prefix == "country" and ident != f"country:{country}":
        raise KBError(f"a country's id must be country:<its code>, not {ident!r}")
    names = _names(item.get("names"))
    name = _text(item, "name")
    if names["en"][0] != name:
        raise KBError(f"names.en must start with the canonical name {name!r}")
    entity = Entity(
        id=ident,
        type=kind_of_type,
        name=name,
        wikidata=wikidata,
        country=country,
        names=names,
        roles=tuple(_role(role) for role in item.get("roles") or ()),
        kind=_text(item, "kind"),
    )
    return entity, _no_scan(item.get("no_scan"), names)


def _state_context(item: dict[str, Any], ident: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """A state's `languages` and `clues`; other actors have neither."""
    langs, words = item.get("languages"), item.get("clues")
    if (langs is not None or words is not None) and not ident.startswith("country:"):
        raise KBError("only a state (country:) has 'languages' and 'clues'")
    if langs is not None and (
        not isinstance(langs, list) or not set(langs) <= LANGUAGES or len(langs) != len(set(langs))
    ):
        raise KBError(f"'languages' must list known language codes once each, got {langs!r}")
    if words is not None and (
        not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words)
    ):
        raise KBError(f"'clues' must be a list of words, got {words!r}")
    return frozenset(langs or ()), tuple(words or ())


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KBError(f"{key!r} must be a non-empty string, got {value!r}")
    return value


def _optional(item: dict[str, Any], key: str, pattern: re.Pattern[str], what: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise KBError(f"{key!r} must be null or {what}, got {value!r}")
    return value


def _names(value: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict) or "en" not in value:
        raise KBError("'names' must map languages to lists of names, with 'en' first")
    names: dict[str, tuple[str, ...]] = {}
    for lang, items in value.items():
        if lang not in LANGUAGES:
            raise KBError(f"names: unknown language {lang!r} (known: {sorted(LANGUAGES)})")
        if not isinstance(items, list) or not items:
            raise KBError(f"names.{lang} must be a non-empty list")
        if not all(isinstance(name, str) and name.strip() for name in items):
            raise KBError(f"names.{lang} holds an empty or non-text name: {items!r}")
        if len(set(items)) != len(items):
            raise KBError(f"names.{lang} lists a name twice: {items!r}")
        names[lang] = tuple(items)
    return names


def _no_scan(value: object, names: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    if value is None:
        return frozenset()
    known = {alias for aliases in names.values() for alias in aliases}
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KBError("'no_scan' must be a list of names")
    strays = [alias for alias in value if alias not in known]
    if strays:
        raise KBError(f"no_scan names {strays} are not among the actor's names")
    return frozenset(value)


def _role(value: object) -> Role:
    if not isinstance(value, dict) or not set(value) <= ROLE_KEYS or "title" not in value:
        raise KBError(f"a role needs title, of, start, end and nothing else: {value!r}")
    title, of = value.get("title"), value.get("of")
    if not isinstance(title, str) or not isinstance(of, str) or not title or not of:
        raise KBError(f"role title and of must be text: {value!r}")
    start, end = _iso(value.get("start"), title), _iso(value.get("end"), title)
    if start and end and _start(start) > _start(end):
        raise KBError(f"role {title!r} ends ({end}) before it starts ({start})")
    return Role(title=title, of=of, start=start, end=end)


def _iso(value: object, title: str) -> str | None:
    """A role date as text: YYYY-MM-DD, or YYYY-MM / YYYY when only that much is known."""
    if value is None:
        return None
    if isinstance(value, date):  # YAML reads an unquoted 2021-09-16 as a date
        return value.isoformat()
    text = str(value)
    match = PARTIAL_DATE.match(text)
    if not match:
        raise KBError(f"role {title!r}: {text!r} is not an ISO date")
    try:
        _start(text)
    except ValueError as exc:
        raise KBError(f"role {title!r}: {text!r} is not a real date ({exc})") from None
    return text


def _start(value: str | None) -> date:
    """The first day a (possibly partial) date can mean; no date means 'always'."""
    if value is None:
        return date.min
    match = PARTIAL_DATE.match(value)
    if not match:
        raise ValueError(f"not an ISO date: {value!r}")
    year, month, day = match.groups()
    return date(int(year), int(month or 1), int(day or 1))


def _holds(role: Role, on: date) -> bool:
    # The end is exclusive: on the day of a handover the successor holds the title.
    return _start(role.start) <= on and (role.end is None or on < _start(role.end))


def _plain_title(title: str) -> str:
    words = title.casefold().replace("-", " ").split()
    if words[:1] in (["acting"], ["interim"]):
        words = words[1:]
    return " ".join(words)


def _titles_like(title: str) -> frozenset[str]:
    plain = _plain_title(title)
    for group in TITLE_GROUPS:
        if plain in group:
            return group
    return frozenset({plain})
