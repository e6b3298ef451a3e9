"""The records that flow through Outpost: frozen dataclasses, no database rows."""

from __future__ import annotations

import enum
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from outpost.markings import TLP, WRITTEN

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Draft:
    """An article as read from a source, before de-duplication and storage."""

    text: str
    source: str
    locator: str  # where it came from: a path (with #line or #message), or a URL
    raw: bytes  # the item exactly as read, kept so extraction can be redone later
    media_type: str
    title: str | None = None
    url: str | None = None
    published: datetime | None = None  # aware, UTC
    lang: str | None = None
    external_id: str | None = None
    feed_entry: tuple[str, str] | None = None  # (feed key, entry key): marked seen when stored


@dataclass(frozen=True)
class Failure:
    """An item that could not be read; the batch goes on without it."""

    locator: str
    reason: str  # one line that names the problem


@dataclass(frozen=True)
class Article:
    """A stored article."""

    uid: str
    source: str
    text: str
    title: str | None
    url: str | None  # canonical
    published: datetime | None
    fetched: datetime
    lang: str | None
    external_id: str | None
    raw_hash: str
    text_hash: str
    fingerprint: str
    locator: str
    near_duplicate_of: str | None = None
    similarity: float | None = None


class Outcome(enum.StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    NEAR_DUPLICATE = "near-duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class Stored:
    """What happened to one item offered to the store."""

    outcome: Outcome
    uid: str
    locator: str
    of: str | None = None  # for duplicates: the uid of the article it repeats


@dataclass(frozen=True)
class IngestError:
    """A recorded failure, as listed by `outpost ingest-errors`."""

    locator: str
    reason: str
    first_seen: datetime
    last_seen: datetime
    attempts: int


@dataclass
class Summary:
    """Counts of one ingest run (mutable while the run adds to it)."""

    new: int = 0
    duplicate: int = 0
    near_duplicate: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        match outcome:
            case Outcome.NEW:
                self.new += 1
            case Outcome.DUPLICATE:
                self.duplicate += 1
            case Outcome.NEAR_DUPLICATE:
                self.near_duplicate += 1
            case Outcome.FAILED:
                self.failed += 1


# Analysis ------------------------------------------------------------------------------------
# Every offset below is a character offset into the article's text exactly as given (the
# input), end exclusive, whatever cleaning the pipeline did internally.

EntityType = str  # "PER", "ORG" or "LOC"


@dataclass(frozen=True)
class Role:
    """A position an actor held: 'President' of 'KZ' from 2019-06-12 (to None: still)."""

    title: str
    of: str  # a country (ISO 3166-1 alpha-2) or a KB id of an organisation
    start: str | None = None  # ISO date
    end: str | None = None


@dataclass(frozen=True)
class Entity:
    """An actor of the knowledge base."""

    id: str  # stable, e.g. "person:tokayev", "org:csto", "country:KZ"
    type: EntityType
    name: str  # canonical English name
    wikidata: str | None
    country: str | None  # ISO 3166-1 alpha-2
    names: dict[str, tuple[str, ...]]  # language -> names and spellings, canonical first
    roles: tuple[Role, ...] = ()
    kind: str = ""  # finer type: state, head_of_state, armed_group, international_org...


@dataclass(frozen=True)
class Mention:
    """A named entity in the text, linked to the knowledge base when it can be."""

    text: str
    type: EntityType
    start: int
    end: int
    name: str  # normal form: "Токаев" for "Токаева", or the KB name when linked
    kb_id: str | None = None
    confidence: float = 0.0
    method: str = ""  # which stage found it: "natasha", "spacy", "kb", "surname"


@dataclass(frozen=True)
class Place:
    """A place mention resolved to the gazetteer."""

    text: str
    start: int
    end: int
    name: str
    lat: float
    lon: float
    country: str | None  # ISO 3166-1 alpha-2
    admin1: str | None  # first-level division: ISO 3166-2 code or GeoNames admin1 name
    geonames_id: int | None
    kind: str  # "country", "admin1", "admin2", "city", "region", "feature" (river, crossing)
    confidence: float


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    value: str  # ISO 8601 date (YYYY-MM-DD), or YYYY-MM / YYYY when that is all it says
    role: str  # "event", "deadline" or "mention"
    confidence: float = 0.0


@dataclass(frozen=True)
class Label:
    label: str
    score: float


@dataclass(frozen=True)
class Threat:
    """A threat domain an article or event touches, with the sentence that shows it."""

    domain: str
    score: float
    evidence: str
    start: int
    end: int


@dataclass(frozen=True)
class Event:
    """Who did what to whom, where and when, with the sentence that proves it."""

    type: str
    score: float
    evidence: str
    start: int
    end: int
    trigger: str = ""
    actors: tuple[str, ...] = ()  # KB ids where linked, else names
    targets: tuple[str, ...] = ()
    place: Place | None = None
    date: str | None = None  # ISO date
    deadline: str | None = None  # for decisions and commitments: by when
    domains: tuple[str, ...] = ()
    confidence: float = 0.0


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Clause:
    """A verb with its subjects and objects in one sentence (offsets in the cleaned text),
    from the dependency parse: the raw material of events."""

    sentence: Span
    verb: Span
    lemma: str
    subjects: tuple[Span, ...] = ()
    objects: tuple[Span, ...] = ()
    negated: bool = False


@dataclass(frozen=True)
class Doc:
    """An article being analysed. Stages return a new Doc with their results filled in."""

    id: str
    text: str  # exactly as given
    published: datetime | None = None
    title: str | None = None
    lang: str | None = None
    clean: str = ""  # the text the stages read (see analyze.clean)
    offsets: tuple[int, ...] = ()  # offsets[i]: index in `text` of clean[i]; one extra at the end
    sentences: tuple[Span, ...] = ()  # in `clean`
    paragraphs: tuple[tuple[Span, str | None], ...] = ()  # in `clean`, with their language
    clauses: tuple[Clause, ...] = ()
    mentions: tuple[Mention, ...] = ()
    places: tuple[Place, ...] = ()
    focus: Place | None = None
    dates: tuple[DateMention, ...] = ()
    event_type: Label | None = None
    event_types: tuple[Label, ...] = ()  # best first
    threats: tuple[Threat, ...] = ()
    events: tuple[Event, ...] = ()
    notes: tuple[str, ...] = ()  # what was skipped and why ("no NER model for 'ps'")
    # The lead's sentence vector (analyze.leads), for story clustering; None in a language
    # the vectors do not cover. Left out of comparisons: an array has no single truth value.
    vector: Vector | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class StoryArticle:
    """An article as a story's timeline shows it."""

    uid: str
    external_id: str | None
    title: str | None
    lang: str | None
    source: str
    url: str | None
    published: datetime | None
    score: float  # the similarity that placed it (1.0 for the first and for pinned ones)
    pinned: bool  # an analyst put it there


@dataclass(frozen=True)
class Story:
    """Articles about one real-world development, across sources and languages."""

    id: str
    title: str
    state: str  # open, closed, merged
    merged_into: str | None
    first_seen: datetime
    last_seen: datetime
    # When the store last changed it (an article joined or left, it closed, merged or was
    # split): its version as STIX writes it. The seen times are its articles' own times, so
    # an older article joining late moves neither.
    updated: datetime
    article_count: int
    languages: dict[str, int]
    sources: dict[str, int]
    places: dict[str, int]
    actors: dict[str, int]
    event_types: dict[str, int]
    domains: dict[str, int]
    articles: tuple[StoryArticle, ...] = ()  # oldest first, when asked for


@dataclass(frozen=True)
class Delivery:
    """One way an alert is sent, and how that went."""

    id: int
    alert_id: int
    target: str  # webhook:NAME, email:NAME
    state: str  # pending, sent, failing
    attempts: int
    next_attempt: datetime
    last_error: str | None
    sent: datetime | None


@dataclass(frozen=True)
class Alert:
    """A watch rule met by a story (or a series spiking): raised once, updated after."""

    id: int
    rule_id: str
    subject: str
    story_id: str | None
    state: str  # new, acknowledged, closed
    severity: str  # CAP 1.2: extreme, severe, moderate, minor, unknown
    urgency: str  # immediate, expected, future, past, unknown
    certainty: str  # observed, likely, possible, unlikely, unknown
    title: str
    article_count: int
    evidence: tuple[dict[str, object], ...]
    created: datetime
    updated: datetime
    deliveries: tuple[Delivery, ...] = ()
    plan: str | None = None  # the id of the plan that raised it; None: from open sources
    marking: str = "TLP:CLEAR"  # its plan's, as it is now


STORY_TOP_KEYS = 24  # a story is described by its most frequent keys, so it cannot grow greedy


@dataclass(frozen=True)
class Sketch:
    """What clustering reads of an analysed article."""

    article: str  # uid
    when: datetime
    lang: str | None
    source: str
    title: str
    vector: Vector | None  # None: a language the sentence vectors do not cover
    keys: frozenset[str]  # "actor:person:putin", "place:1221874", "country:TJ", "type:..."
    event_type: str | None = None
    domains: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # names, for the story's summary
    actors: tuple[str, ...] = ()  # kb ids, for the story's summary


@dataclass
class StoryState:
    """A story as clustering keeps it: enough to compare and to summarise, nothing more."""

    id: str
    first: datetime
    last: datetime
    articles: list[str] = field(default_factory=list)
    vector_sum: Vector | None = None
    vector_count: int = 0
    keys: Counter[str] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    domains: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    actors: Counter[str] = field(default_factory=Counter)
    title: str = ""
    closed: bool = False
    merged_into: str | None = None
    # What clustering derives from the story to compare articles with it (its meaning vector,
    # its top keys), kept until the story changes: each article is compared with every story
    # around its time, and most of them do not change in between.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def meaning_vector(self) -> Vector | None:
        """The sum of the story's vectors over sqrt(count x norm of the sum). Its dot product
        with an article's vector is the geometric mean of the cosine to the story's centroid
        and the mean cosine to its members (see `warn.stories.similarity`)."""
        if "meaning" not in self.memo:
            found = None
            if self.vector_sum is not None and self.vector_count:
                norm = float(np.linalg.norm(self.vector_sum))
                found = self.vector_sum / math.sqrt(norm * self.vector_count) if norm else None
            self.memo["meaning"] = found
        meaning: Vector | None = self.memo["meaning"]
        return meaning

    def top_keys(self) -> frozenset[str]:
        if "top" not in self.memo:
            # Ties broken by the key itself: Counter's own order follows insertion, which
            # follows the iteration of a set of strings, and so Python's hash seed.
            ranked = sorted(self.keys.items(), key=lambda item: (-item[1], item[0]))
            self.memo["top"] = frozenset(k for k, _ in ranked[:STORY_TOP_KEYS])
        top: frozenset[str] = self.memo["top"]
        return top

    def add(self, sketch: Sketch) -> None:
        self.memo.clear()
        self.articles.append(sketch.article)
        self.first, self.last = min(self.first, sketch.when), max(self.last, sketch.when)
        if sketch.vector is not None:
            base = self.vector_sum if self.vector_sum is not None else np.zeros_like(sketch.vector)
            self.vector_sum = base + sketch.vector
            self.vector_count += 1
        self.keys.update(sketch.keys)
        self.langs[sketch.lang or "und"] += 1
        self.sources[sketch.source] += 1
        self.types.update([sketch.event_type] if sketch.event_type else [])
        self.domains.update(sketch.domains)
        self.places.update(sketch.places)
        self.actors.update(sketch.actors)
        if not self.title or len(self.articles) == 1:
            self.title = sketch.title


@dataclass(frozen=True)
class StoryStats:
    """How clustering fared and how often analysts had to correct it (`stories --stats`)."""

    articles: int  # articles placed in stories
    split: int  # of them, taken out of their story by an analyst (pinned where they were put)
    open: int  # stories
    closed: int
    merged: int  # stories an analyst merged into another
    several: int  # stories of two articles or more (merged ones aside)
    since: datetime | None = None  # counted from then; None: all

    @property
    def corrections(self) -> int:
        return self.merged + self.split

    @property
    def per_hundred(self) -> float:
        """Corrections per hundred articles placed: how often analysts had to step in."""
        return 100 * self.corrections / self.articles if self.articles else 0.0


@dataclass(frozen=True)
class Principal:
    """Who acts: every service call receives one, so what may be seen and done is decided in
    one place. Now the local operator (the CLI), a watch loop, or an API token's owner."""

    id: str  # "operator:alice", "system:watch", "user:alice"
    name: str
    user: int | None = None  # the signed-in person's user id (None: not a person's account)
    org: str | None = None  # the code of that person's organisation
    role: str | None = None  # viewer, analyst, coordinator, administrator (see respond.people)


@dataclass(frozen=True)
class Reading:
    """An indicator series on one day, against its baseline."""

    kind: str  # country, admin1, domain, event_type
    key: str
    day: date
    observed: int
    expected: float
    one_in_days: float  # how rare a day at least this busy is at the baseline
    score: float  # log10(one_in_days)
    history: tuple[int, ...]  # the days before, oldest first (for a sparkline or chart)
    spike: bool  # unusual enough to warn, and counted long enough to know


@dataclass(frozen=True)
class EventRow:
    """An event as listed: its fields, its article, and the sentence that proves it."""

    id: int
    article: str  # article uid
    title: str | None
    type: str
    score: float
    confidence: float
    date: str | None
    deadline: str | None
    country: str | None
    place: dict[str, Any] | None
    actors: list[str]
    targets: list[str]
    domains: list[str]
    evidence: str
    start: int
    end: int


@dataclass(frozen=True)
class ApiToken:
    """A key to the API as the store knows it: never its secret, which is shown once."""

    id: int
    name: str
    owner: str  # who the token acts for
    prefix: str  # the token's first 8 characters, to tell tokens apart in a list
    created: datetime
    last_used: datetime | None  # to the minute
    revoked: datetime | None
    user_id: int | None = None  # the person it acts for (None: a token of `owner` alone)

    @property
    def active(self) -> bool:
        return self.revoked is None


# People and organisations (issue 13) ---------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    """A body of the alliance: its crisis-response centre, a member state's agency, or a
    partner."""

    id: int
    code: str  # short slug, lower case: "crc", "kz-knb"
    name: str
    kind: str  # centre, member, partner
    country: str | None  # ISO 3166-1 alpha-2, upper case
    created: datetime


@dataclass(frozen=True)
class User:
    """A person's account as others may see it: never its password hash or TOTP secret."""

    id: int
    username: str  # lower case
    display_name: str
    org: str  # the code of the user's organisation
    role: str  # viewer, analyst, coordinator, administrator
    created: datetime
    disabled: datetime | None = None
    failed_attempts: int = 0  # wrong passwords in a row since the last sign-in or lock-out
    locked_until: datetime | None = None
    totp: bool = False  # whether a second factor is enrolled
    last_sign_in: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled is None


AuditValue = str | int | float | bool | None


@dataclass(frozen=True)
class AuditEntry:
    """One link of the append-only audit chain. `hash` is the sha256 of a canonical JSON of
    the entry's fields and `prev_hash` (outpost.respond.audit), so changing or removing an
    entry breaks the chain from there on."""

    id: int  # 1, 2, 3...: consecutive, so a removed entry leaves a gap
    at: datetime
    actor: str  # the acting principal's id
    action: str  # "user.add", "sign-in", "sign-in.failed", "org.add"...
    target: str  # "user:alice", "org:crc"
    detail_json: str  # the detail as stored: canonical JSON text of a flat object
    prev_hash: str
    hash: str

    @property
    def detail(self) -> dict[str, AuditValue]:
        parsed = json.loads(self.detail_json)
        return parsed if isinstance(parsed, dict) else {}


# The workspace's lists and pages (issue 12) --------------------------------------------------


@dataclass(frozen=True)
class Party:
    """Who takes part in an event: a knowledge-base actor with its name, or a name the
    knowledge base does not know (id None)."""

    id: str | None
    name: str
    role: str  # actor or target
    kind: str | None = None  # the actor's finer type: head_of_state, armed_group...


@dataclass(frozen=True)
class EventDetail:
    """One event as its page shows it: the event, where and when, who takes part, and its
    article with the text that event.start and event.end point into (the evidence)."""

    event: EventRow
    published: datetime  # the article's publication time, else its fetch time
    lang: str | None
    source: str
    lat: float | None
    lon: float | None
    admin1: str | None  # the gazetteer's first-level division key: "TJ-DU", "PK.02"
    article: Article
    parties: tuple[Party, ...] = ()  # actors first, in the event's order


@dataclass(frozen=True)
class LocatedEvent:
    """An event with where and when it was read, as an export carries it (no article text)."""

    event: EventRow
    published: datetime  # the article's publication time, else its fetch time
    source: str
    url: str | None
    lang: str | None
    lat: float | None
    lon: float | None
    admin1: str | None


@dataclass(frozen=True)
class Related:
    """An article named beside another one (a near duplicate, or its original)."""

    uid: str
    title: str | None
    source: str
    published: datetime | None
    similarity: float | None


@dataclass(frozen=True)
class ArticleFacts:
    """What a page highlights in an article; every offset points into its text as stored."""

    article: str  # uid
    mentions: tuple[Mention, ...]  # kb_id: the knowledge-base actor, when linked
    places: tuple[Place, ...]
    dates: tuple[DateMention, ...]
    original: Related | None  # the article this one nearly repeats
    near_duplicates: tuple[Related, ...]  # the articles that nearly repeat this one


@dataclass(frozen=True)
class StoryDay:
    """One day of a story: its articles that day, and how big it was by the end of it."""

    day: date
    count: int
    total: int  # articles up to and including this day
    sources: int  # different sources up to and including this day
    articles: tuple[StoryArticle, ...]  # oldest first


@dataclass(frozen=True)
class StoryTimeline:
    """How a story grew: its days from the first article to the last (days without an
    article are left out)."""

    story: Story
    days: tuple[StoryDay, ...]


@dataclass(frozen=True)
class ActorSummary:
    """A knowledge-base actor in a list: its names in every language, and how often it
    appears in the store."""

    id: str
    name: str
    type: EntityType
    kind: str
    country: str | None
    names: dict[str, tuple[str, ...]]  # language -> names and spellings, canonical first
    events: int  # events it takes part in (as actor or target)
    articles: int  # articles that mention it


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class Counted:
    """Something counted in a profile: a spelling, an actor met beside another."""

    key: str  # the spelling; the actor's KB id
    name: str
    count: int


@dataclass(frozen=True)
class ActorProfile:
    """One actor's page: who it is, how the articles write it, when it acted, in which
    stories, and beside whom."""

    actor: ActorSummary
    wikidata: str | None
    roles: tuple[Role, ...]
    spellings: tuple[Counted, ...]  # as the stored articles write it, most frequent first
    days: tuple[DayCount, ...]  # its events per day, oldest first (days without one left out)
    stories: tuple[Story, ...]  # those of its most recent articles, latest activity first
    beside: tuple[Counted, ...]  # actors mentioned in the same articles, most often first


@dataclass(frozen=True)
class PlaceSummary:
    """A place as the articles mention it, counted over the articles that match a list's
    filters."""

    key: str  # "geonames:1221874", or "name:Dushanbe" for a place the gazetteer gave no id
    name: str
    lat: float
    lon: float
    country: str | None
    admin1: str | None
    kind: str  # country, admin1, admin2, city, region
    articles: int  # articles that mention it
    mentions: int


@dataclass(frozen=True)
class PlacedEvents:
    """Events that share a place and a set of threat domains, counted (lat and lon None: the
    events without a place). A map sums these; a million events make a few thousand."""

    lat: float | None
    lon: float | None
    domains: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class MapCell:
    """Events aggregated in one cell of a latitude/longitude grid."""

    lat: float  # the cell's centre
    lon: float
    size: float  # its side, in degrees
    count: int
    domains: dict[str, int]  # events per threat domain (an event may count in several)


# Response plans (issue 13) ------------------------------------------------------------------


class MeasureState(enum.StrEnum):
    """Where a measure stands; outpost.respond.measures says which step leads where."""

    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in progress"
    DONE = "done"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Transition:
    """One step in a measure's history: who moved it from which state to which, and why."""

    who: str  # the acting principal's id
    at: datetime
    source: MeasureState | None  # None: the measure was created in `target`
    target: MeasureState
    note: str = ""


@dataclass(frozen=True)
class Evidence:
    """What shows a measure is needed or done: an event, an article, or a sentence of one
    (`start`, `end` into the article's text, `quote` the sentence itself)."""

    article: str | None = None  # article uid
    event: int | None = None  # event id
    start: int | None = None
    end: int | None = None
    quote: str = ""


@dataclass(frozen=True)
class Measure:
    """One task of a plan, taken by one or more organisations by a due date; past its
    critical date it escalates."""

    id: str  # unique within its plan: "<plan id>/<n>"
    title: str
    description: str
    orgs: tuple[str, ...]  # codes of the organisations assigned, in the order given
    due: date
    critical: date  # on or after `due`
    state: MeasureState = MeasureState.ASSIGNED
    owner: int | None = None  # user id of the person who answers for it, if one is named
    report: str | None = None  # what was done (required to be done)
    evidence: tuple[Evidence, ...] = ()
    blocked_reason: str | None = None  # set while blocked
    history: tuple[Transition, ...] = ()  # oldest first
    domain: str | None = None  # the threat domain it answers (outpost/kb/threats.yaml), if any


@dataclass(frozen=True)
class Plan:
    """A joint response plan: measures for the organisations of the alliance, owned and
    coordinated by one organisation, under a TLP marking."""

    id: str
    title: str
    description: str
    template: str | None  # the id of the template it came from
    owner: str  # the code of the organisation that owns and coordinates it
    marking: TLP
    due: date | None
    created_by: str  # the principal's id
    measures: tuple[Measure, ...] = ()


# --- what people write: marked items (TLP 2.0, see outpost.respond.visibility) -------------


@dataclass(frozen=True)
class Viewer:
    """Who looks, as the visibility rule (outpost.respond.visibility) reads it from the store
    for a principal."""

    user: int | None  # None: not a person's account
    org: int | None  # the user's organisation's id
    org_kind: str | None  # centre, member, partner
    active: bool = True  # False: a disabled user


@dataclass(frozen=True)
class Judgement:
    """A key judgement in estimative language: the text and how likely it holds."""

    text: str
    likelihood: str  # one of outpost.respond.assessments.LIKELIHOODS


@dataclass(frozen=True)
class AssessmentDraft:
    """An assessment as written, before (or after) outpost.respond.assessments.checked."""

    target_kind: str
    target_id: str
    title: str
    judgements: tuple[Judgement, ...]
    confidence: str
    reliability: str
    credibility: int
    evidence_events: tuple[int, ...] = ()
    evidence_articles: tuple[int, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None
    review: date | None = None
    marking: TLP = WRITTEN


@dataclass(frozen=True)
class Sharing:
    """What says who sees a marked item besides its marking: its owner organisation (code),
    the organisations named on it (AMBER) and the people named on it (RED), by name."""

    marking: str  # the TLP text value, "TLP:AMBER+STRICT"
    owner_org: str
    orgs: tuple[str, ...] = ()
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredPlan:
    """A plan as the store keeps it: the plan, who sees it, and when it was made and changed."""

    plan: Plan
    sharing: Sharing
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class Assessment:
    """An analyst's judgement on an event, a story or an indicator series."""

    id: int
    target_kind: str  # event, story, indicator
    target_id: str
    title: str
    judgements: tuple[Judgement, ...]
    confidence: str  # low, moderate, high
    reliability: str  # Admiralty source reliability, A-F
    credibility: int  # Admiralty information credibility, 1-6
    evidence_events: tuple[int, ...]
    evidence_articles: tuple[int, ...]
    valid_from: date | None
    valid_until: date | None
    review: date | None
    sharing: Sharing
    created_by: str | None  # username; None for an import
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class Case:
    """A case: work on an alert, a story or a question, with its status and assignee."""

    id: int
    title: str
    status: str  # open, in-progress, closed
    assignee: str | None  # username
    origin_kind: str  # alert, story, manual
    origin_id: str | None
    sharing: Sharing
    created_by: str | None
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class CaseLink:
    """What a case links to: a story, event or alert (by key), or an assessment (by id)."""

    kind: str  # story, event, alert, assessment
    id: str
    added: datetime
    marking: str  # CLEAR for what the machine derived; the assessment's own marking


@dataclass(frozen=True)
class Comment:
    id: int
    case_id: int
    body: str
    sharing: Sharing
    created_by: str | None
    created: datetime


@dataclass(frozen=True)
class TimelineEntry:
    """One change of a case: opened, linked, unlinked, commented, status, assigned, marking,
    shared, task."""

    id: int
    at: datetime
    actor: str
    what: str
    detail: dict[str, AuditValue]


@dataclass(frozen=True)
class Task:
    id: int
    title: str
    due: date | None
    done: datetime | None
    done_by: str | None
    case_id: int | None  # a case's own task
    assessment_id: int | None  # the review of an assessment


@dataclass(frozen=True)
class CaseView:
    """A case with what its viewer may see of it; `marking` is the strictest of all shown."""

    case: Case
    links: tuple[CaseLink, ...]
    comments: tuple[Comment, ...]
    timeline: tuple[TimelineEntry, ...]
    tasks: tuple[Task, ...]
    marking: str


@dataclass(frozen=True)
class Sent:
    """One object of what a partner sent, as read from the file: its Outpost kind, its STIX id
    or MISP uuid, its record (JSON), its marking and when it was last modified."""

    kind: str
    key: str
    record: dict[str, Any]
    marking: TLP
    modified: datetime  # aware


@dataclass(frozen=True)
class Received:
    """An object a partner sent, as imported: its Outpost record (JSON), its marking, and
    where it came from (the partner or file, the producer its bundle named, its STIX id or
    MISP uuid, when it was imported and by whom)."""

    id: int
    kind: str  # a record (event, entity, place, story, assessment), misp-*, or stix
    key: str  # the STIX id or MISP uuid
    record: dict[str, Any]
    marking: TLP
    owner_org: str  # the importing organisation's code
    modified: datetime
    source: str
    origin: str
    imported: datetime
    imported_by: str | None  # username
