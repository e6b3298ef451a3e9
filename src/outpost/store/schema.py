"""The tables, on one MetaData. Dialect-specific full-text search lives in the migrations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Raw items exactly as read (zlib-compressed), so main-text extraction can be redone later.
raw_items = Table(
    "raw_items",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

# Times are stored as naive UTC on every dialect and made aware again when read.
articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("external_id", Text),
    Column("source", Text, nullable=False),
    Column("url", Text),
    Column("url_key", String(64), unique=True),  # sha256 of the canonical URL
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("lang", String(16)),
    Column("published", DateTime),
    Column("fetched", DateTime, nullable=False),
    Column("raw_hash", String(64), ForeignKey("raw_items.hash"), nullable=False),
    Column("text_hash", String(64), nullable=False, unique=True),
    Column("fingerprint", Text, nullable=False),
    Column("near_duplicate_of", String(32), ForeignKey("articles.uid")),
    Column("similarity", Float),
    Column("locator", Text, nullable=False),
    UniqueConstraint("source", "external_id"),
    Index(None, "source"),
    Index(None, "lang"),
    Index(None, "published"),
    Index(None, "near_duplicate_of"),
)
# Articles in time order: their publication time, else their fetch time (the lists' sort and
# time filters). An expression index: Alembic compares it on PostgreSQL; on SQLite it cannot
# reflect one, and says it skipped it.
ARTICLE_TIME = func.coalesce(articles.c.published, articles.c.fetched)
Index("ix_articles_time", ARTICLE_TIME, articles.c.id)
Index("ix_articles_lang_time", articles.c.lang, ARTICLE_TIME, articles.c.id)
Index("ix_articles_source_time", articles.c.source, ARTICLE_TIME, articles.c.id)

# MinHash LSH bands: articles sharing a band are candidates for near-duplicate checks.
article_bands = Table(
    "article_bands",
    metadata,
    Column("band", BigInteger, primary_key=True),
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

ingest_errors = Table(
    "ingest_errors",
    metadata,
    Column("locator_key", String(64), primary_key=True),
    Column("locator", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("first_seen", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("url_key", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("checked", DateTime),
    Column("status", Integer),
    Column("retry_after", DateTime),  # not fetched again before this (the server's Retry-After)
    # A feed added through the API (a row without `added` is only remembered fetch state): the
    # watch loop polls it every `interval` seconds until it is removed.
    Column("interval", Float),
    Column("added_by", Text),
    Column("added", DateTime),
    Column("removed", DateTime),
)

feed_entries = Table(
    "feed_entries",
    metadata,
    Column("feed_key", String(64), ForeignKey("feeds.url_key"), primary_key=True),
    Column("entry_key", String(64), primary_key=True),
    Column("article_uid", String(32)),
    Column("seen", DateTime, nullable=False),
)


def _span_columns() -> list[Column[int]]:
    """Character offsets into the article's text as given, end exclusive."""
    return [Column("start", Integer, nullable=False), Column("end", Integer, nullable=False)]


def _fact_columns(span: bool = True, index: bool = True) -> list[Any]:
    """What every table of facts starts with: its id, its article (indexed, unless the table
    has a wider index starting with it), and (mostly) its span."""
    columns: list[Any] = [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column(
            "article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False
        ),
    ]
    columns += [Index(None, "article_id")] if index else []
    return columns + (_span_columns() if span else [])


# Analysis results. Rows of one article are replaced together, with the pipeline's version,
# so analysing again is idempotent and a new pipeline version redoes only what is stale.
analyses = Table(
    "analyses",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("version", String(32), nullable=False),
    Column("analysed", DateTime, nullable=False),
    Column("lang", String(16)),
    Column("event_type", String(64)),
    Column("event_type_score", Float),
    Column("focus", Text),  # JSON of the focus place
    Column("notes", Text, nullable=False),  # JSON list
    Column("vector", LargeBinary),  # float32 sentence vector of the lead, for clustering
    Index(None, "version"),
    Index(None, "event_type"),
)

mentions = Table(
    "mentions",
    metadata,
    *_fact_columns(),
    Column("text", Text, nullable=False),
    Column("type", String(8), nullable=False),
    Column("name", Text, nullable=False),
    Column("kb_id", String(64)),
    Column("confidence", Float, nullable=False),
    Column("method", String(24), nullable=False, server_default=""),  # which reader found it
    Index(None, "kb_id", "article_id"),  # covering: an actor's articles from the index alone
)

places = Table(
    "places",
    metadata,
    *_fact_columns(index=False),
    Column("text", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("country", String(2)),
    Column("admin1", String(64)),
    Column("geonames_id", BigInteger),
    Column("kind", String(16), nullable=False),
    Column("confidence", Float, nullable=False),
    # An article's places, with what places are counted by (store/lists/places.py)
    Index(None, "article_id", "geonames_id", "name", "id"),
    Index(None, "country", "article_id"),
    Index(None, "admin1", "article_id"),
)

dates = Table(
    "dates",
    metadata,
    *_fact_columns(),
    Column("text", Text, nullable=False),
    Column("value", String(10), nullable=False),
    Column("role", String(16), nullable=False),
)

threats = Table(
    "threats",
    metadata,
    *_fact_columns(span=False),
    Column("domain", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    *_span_columns(),
    Index(None, "domain"),
)

events = Table(
    "events",
    metadata,
    *_fact_columns(span=False),
    Column("type", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    *_span_columns(),
    Column("trigger", Text, nullable=False),
    Column("actors", Text, nullable=False),  # JSON lists, for display
    Column("targets", Text, nullable=False),
    Column("domains", Text, nullable=False),
    Column("place", Text),  # JSON of the place
    Column("country", String(2)),
    Column("date", String(10)),
    Column("deadline", String(10)),
    # Copied from the place and the article (their JSON and their table), so that no list
    # parses JSON or joins articles to filter or sort: lat, lon and admin1 from the place
    # (admin1 is the gazetteer's key, "TJ-DU", or "PK.02" when GeoNames' code has no ISO
    # 3166-2 match); published is the article's publication time, else its fetch time.
    Column("lat", Float),
    Column("lon", Float),
    Column("admin1", String(64)),
    Column("published", DateTime, nullable=False),
    Column("lang", String(16)),
    Column("source", Text, nullable=False),
    Index(None, "date"),
    # A filter's index leads with the filtered column and ends with the sort key, so a page
    # is read in order from the index (migration 0008 says how they were chosen).
    Index(None, "published", "id", "lat", "lon", "domains"),  # the sort; a map of a time range
    Index(None, "country", "published", "id"),
    Index(None, "admin1", "published", "id"),
    Index(None, "type", "published", "id"),
    Index(None, "lang", "published", "id"),
    Index(None, "source", "published", "id"),
    Index(None, "score", "id"),
    Index(None, "lat", "lon", "domains", "article_id"),  # a box's events, the map's counts
)

# Who takes part in an event, and the domains it touches: rows to filter on.
event_parties = Table(
    "event_parties",
    metadata,
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("party", String(200), primary_key=True),  # KB id, else the name
    Column("role", String(8), primary_key=True),  # actor or target
    Index(None, "party", "event_id"),  # covering: a party's events from the index alone
)

event_domains = Table(
    "event_domains",
    metadata,
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("domain", String(64), primary_key=True),
    Index(None, "domain", "event_id"),
)

# Stories: the state clustering keeps (counts of keys, sum of vectors) is stored with the
# summary, so a new article is placed without reading any other article again.
stories = Table(
    "stories",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("title", Text, nullable=False),
    Column("state", String(8), nullable=False),  # open, closed, merged
    Column("merged_into", String(40), ForeignKey("stories.id")),
    Column("first_seen", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    Column("article_count", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: languages, sources, places, actors...
    Column("key_counts", Text, nullable=False),  # JSON: key -> count
    Column("vector_sum", LargeBinary),  # float32 sum of the members' vectors
    Column("vector_count", Integer, nullable=False),
    Column("updated", DateTime, nullable=False),
    Index(None, "state", "last_seen"),
    # The lists' sorts; the first covers their time range and state too (a count reads it
    # alone, not the rows and their summaries).
    Index(None, "last_seen", "id", "first_seen", "state"),
    Index(None, "article_count", "id"),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("story_id", String(40), ForeignKey("stories.id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("pinned", Integer, nullable=False),  # 1: an analyst put it there; clustering keeps it
    Column("added", DateTime, nullable=False),
    Index(None, "story_id"),
)

# Indicators: one row per article and series it counts in (a country, a first-level division,
# a threat domain, an event type), written with the article's analysis; a day's count is a
# GROUP BY, so counts can never drift from the facts they come from.
article_series = Table(
    "article_series",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(12), primary_key=True),  # country, admin1, domain, event_type
    Column("key", String(64), primary_key=True),
    Column("day", Date, nullable=False),
    Column("events", Integer, nullable=False),  # the article's events in this series
    Index(None, "kind", "day"),
    Index(None, "kind", "key", "day", "article_id"),  # the articles of a series, by day
)

# Alerts: one per rule and subject (a story, or a series spiking on a day), updated by later
# articles, never repeated; every delivery of one is a row that says how it went.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", String(64), nullable=False),
    Column("subject", String(120), nullable=False),  # story id, or "country:TJ:2025-03-12"
    Column("story_id", String(40), ForeignKey("stories.id")),
    Column("state", String(16), nullable=False),  # new, acknowledged, closed
    Column("severity", String(16), nullable=False),  # CAP 1.2, lower case
    Column("urgency", String(16), nullable=False),
    Column("certainty", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("article_count", Integer, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON list: article, url, sentence, kind, label
    Column("created", DateTime, nullable=False),
    Column("updated", DateTime, nullable=False),
    Column("acknowledged_by", Text),  # the principal who acknowledged it, and when
    Column("acknowledged_at", DateTime),
    Column("closed_by", Text),
    Column("closed_at", DateTime),
    # The plan whose notice raised it: its marking and sharing are the alert's, read through
    # this join at every query (never copied, so they cannot drift). Null: derived from open
    # sources, CLEAR. A plan removed takes its alerts with it (never left behind as CLEAR).
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE")),
    UniqueConstraint("rule_id", "subject"),
    Index(None, "state", "updated"),
    Index(None, "plan_id"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("target", String(80), nullable=False),  # webhook:NAME, email:NAME
    Column("state", String(12), nullable=False),  # pending, sent, failing
    Column("attempts", Integer, nullable=False),
    Column("next_attempt", DateTime, nullable=False),
    Column("last_error", Text),
    Column("sent", DateTime),
    Column("created", DateTime, nullable=False),
    UniqueConstraint("alert_id", "target"),
    Index(None, "state", "next_attempt"),
)

# Articles the rules have read (with the story they were in), so each is read once.
alert_checks = Table(
    "alert_checks",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("checked", DateTime, nullable=False),
)

# API tokens. Only the sha256 of a token is kept, so the database never holds one that could
# be used; a token is 32 random bytes, so nothing can be guessed from a fast hash (unlike a
# password, which needs argon2). The prefix is shown in lists to tell tokens apart.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("owner", Text, nullable=False),  # who the token acts for
    Column("prefix", String(8), nullable=False),  # the token's first 8 characters
    Column("hash", String(64), nullable=False, unique=True),  # sha256 hex of the whole token
    Column("created", DateTime, nullable=False),
    Column("last_used", DateTime),  # to the minute: not written on every request
    Column("revoked", DateTime),
    # The person the token acts for; null for a token of `owner` alone (made before people
    # existed, or for a service).
    Column("user_id", Integer, ForeignKey("users.id")),
)

# Jobs: work the API accepted and a worker thread of the serving process does (an ingest of
# uploaded files, URLs and feeds, then the analysis and clustering of what it stored). The
# row is the job's whole state, written as it goes, so a client polls it.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # ingest
    Column("state", String(12), nullable=False),  # queued, running, done, failed, interrupted
    Column("step", String(12)),  # ingesting, analysing, clustering (while running)
    Column("created_by", Text, nullable=False),
    Column("request", Text, nullable=False),  # JSON: the file names, URLs and feeds given
    Column("total", Integer, nullable=False),  # items expected so far
    Column("done", Integer, nullable=False),
    Column("new", Integer, nullable=False),
    Column("duplicate", Integer, nullable=False),
    Column("near_duplicate", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("failures", Text, nullable=False),  # JSON list of {locator, reason}: the first 50
    Column("analysed", Integer, nullable=False),
    Column("clustered", Integer, nullable=False),
    Column("error", Text),  # why a failed job failed, one line
    Column("created", DateTime, nullable=False),
    Column("started", DateTime),
    Column("finished", DateTime),
    Column("updated", DateTime, nullable=False),
    # The serving process whose worker runs it (a random id per process), and when that
    # process last said it is alive: a job whose process has been silent is interrupted.
    Column("runner", String(32)),
    Column("heartbeat", DateTime),
    Index(None, "state"),
)

# Organisations: the alliance's crisis-response centre, member states' agencies, partners.
organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),  # "crc", "kz-knb" (lower case)
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # centre, member, partner
    Column("country", String(2)),  # ISO 3166-1 alpha-2
    Column("created", DateTime, nullable=False),
)

# People, each in one organisation. The password is kept only as an argon2id hash; the TOTP
# secret has to be kept as it is (the server computes the codes from it), and never leaves
# the store but once, when it is enrolled.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("username", String(40), nullable=False, unique=True),  # lower case
    Column("display_name", Text, nullable=False),
    Column("role", String(16), nullable=False),  # viewer, analyst, coordinator, administrator
    Column("password_hash", Text, nullable=False),
    Column("disabled", DateTime),  # null: active
    Column("failed_attempts", Integer, nullable=False),  # in a row, since the last success
    Column("locked_until", DateTime),
    Column("totp_secret", String(64)),  # base32; null: no second factor enrolled
    Column("created", DateTime, nullable=False),
    Column("last_sign_in", DateTime),
    Index(None, "org_id"),
)

# The audit log: append-only, each entry chained to the one before by its hash (see
# outpost.respond.audit). Ids are given by the writer (the last id + 1, under a lock), not
# by a sequence, so they are consecutive and a removed entry leaves a gap.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime, nullable=False),
    Column("actor", Text, nullable=False),  # the acting principal's id
    Column("action", String(40), nullable=False),  # "user.add", "sign-in.failed"...
    Column("target", Text, nullable=False),  # "user:alice", "org:crc"
    Column("detail", Text, nullable=False),  # canonical JSON of a flat object
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# What people write (assessments, cases, comments; later plans and measures) carries a TLP
# 2.0 marking (its text value, "TLP:AMBER+STRICT"), the organisation that owns it and the user
# who made it (null for an import). Who may see it is outpost.respond.visibility's rule, as
# query conditions in outpost.store.visibility.


def _marked_columns() -> list[Any]:
    return [
        Column("marking", String(20), nullable=False),
        Column("owner_org", Integer, ForeignKey("organisations.id"), nullable=False),
        Column("created_by", Integer, ForeignKey("users.id")),
    ]


# The organisations named on an AMBER item and the people named on a RED one, for every kind
# of item in two tables: `kind` says which table `item_id` is an id of ("assessment", "case",
# "comment"; later "plan", "measure"), so no foreign key can hold it; the services remove an
# item's names with the item.
shared_orgs = Table(
    "shared_orgs",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("item_id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
    Index(None, "org_id"),
)

shared_people = Table(
    "shared_people",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("item_id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Index(None, "user_id"),
)

# Assessments: an analyst's judgement on an event, a story or an indicator series. Targets
# are not foreign keys: an event's id changes when its article is analysed again, and a series
# ("country:TJ") is no row at all; they are checked when the assessment is written.
assessments = Table(
    "assessments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_kind", String(16), nullable=False),  # event, story, indicator
    Column("target_id", String(80), nullable=False),
    Column("title", Text, nullable=False),
    Column("judgements", Text, nullable=False),  # JSON list of {text, likelihood}
    Column("confidence", String(8), nullable=False),  # low, moderate, high
    Column("reliability", String(1), nullable=False),  # Admiralty A-F
    Column("credibility", Integer, nullable=False),  # Admiralty 1-6
    Column("evidence", Text, nullable=False),  # JSON {"events": [...], "articles": [...]}
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("review", Date),
    *_marked_columns(),
    Column("created", DateTime, nullable=False),
    Column("updated", DateTime, nullable=False),
    Index(None, "target_kind", "target_id"),
    Index(None, "updated", "id"),
    Index(None, "owner_org"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("status", String(12), nullable=False),  # open, in-progress, closed
    Column("assignee", Integer, ForeignKey("users.id")),
    Column("origin_kind", String(8), nullable=False),  # alert, story, manual
    Column("origin_id", String(80)),
    *_marked_columns(),
    Column("created", DateTime, nullable=False),
    Column("updated", DateTime, nullable=False),
    Index(None, "updated", "id"),
    Index(None, "status", "updated", "id"),
    Index(None, "owner_org"),
)

# What a case links to that the machine derived (stories, events, alerts: CLEAR), by key.
case_links = Table(
    "case_links",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("target_kind", String(8), primary_key=True),  # story, event, alert
    Column("target_id", String(80), primary_key=True),
    Column("added", DateTime, nullable=False),
    Index(None, "target_kind", "target_id"),
)

# The assessments linked to a case: marked items of their own, each seen through its own
# marking (a link never widens one), so a table with real foreign keys.
case_assessments = Table(
    "case_assessments",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "assessment_id",
        Integer,
        ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("added", DateTime, nullable=False),
    Index(None, "assessment_id"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    *_marked_columns(),
    Column("created", DateTime, nullable=False),
    Index(None, "case_id", "id"),
)

# Every change of a case as an entry. An entry about a marked item (a comment, a linked
# assessment) names it, and is shown only to those who may see that item.
case_timeline = Table(
    "case_timeline",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", Text, nullable=False),  # the acting principal's id
    Column("what", String(16), nullable=False),  # opened, linked, commented, status, ...
    Column("item_kind", String(16)),  # assessment, comment: the marked item it is about
    Column("item_id", Integer),
    Column("detail", Text, nullable=False),  # JSON of a flat object
    Index(None, "case_id", "id"),
)

# Tasks: a case's own (case_id), or the review of an assessment (assessment_id, one per
# assessment, due on its review date), shown in the assessment and in every case linking it.
tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE")),
    Column(
        "assessment_id",
        Integer,
        ForeignKey("assessments.id", ondelete="CASCADE"),
        unique=True,
    ),
    Column("title", Text, nullable=False),
    Column("due", Date),
    Column("done", DateTime),
    Column("done_by", Text),
    Column("created", DateTime, nullable=False),
    Index(None, "case_id"),
)

# Joint response plans (outpost.respond.plans): a marked item like a case. `uid` is the
# plan's own id ("afghanistan-2021"), chosen by its coordinator; `id` the number the
# visibility tables name it by. The organisations its measures are assigned to are named on
# it (kind "plan"), so under AMBER they see it; its measures are seen through it.
plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uid", String(64), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("template", String(64)),
    Column("due", Date),
    *_marked_columns(),
    Column("created", DateTime, nullable=False),
    Column("updated", DateTime, nullable=False),
    Index(None, "updated", "id"),
    Index(None, "owner_org"),
)

measures = Table(
    "measures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),  # the n of "<plan uid>/<n>"
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("due", Date, nullable=False),
    Column("critical", Date, nullable=False),
    Column("state", String(16), nullable=False),  # records.MeasureState
    Column("owner", Integer, ForeignKey("users.id")),
    Column("report", Text),
    Column("blocked_reason", Text),
    Column("domain", String(40)),
    Column("evidence", Text, nullable=False),  # JSON list of records.Evidence
    UniqueConstraint("plan_id", "number"),
    Index(None, "due"),
)

# The organisations a measure is assigned to, in the order given (`position`).
measure_orgs = Table(
    "measure_orgs",
    metadata,
    Column("measure_id", Integer, ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
    Column("position", Integer, nullable=False),
    Index(None, "org_id"),
)

# A measure's transitions, oldest first (append-only).
measure_history = Table(
    "measure_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("measure_id", Integer, ForeignKey("measures.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", Text, nullable=False),  # the acting principal's id
    Column("source", String(16)),  # null: created
    Column("target", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Index(None, "measure_id", "id"),
)

# The notices of outpost.respond.notices sent so far, by their key: each is sent once, across
# restarts and concurrent runs (the unique key decides which run sends it).
plan_notices = Table(
    "plan_notices",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="SET NULL")),
    Column("sent", DateTime, nullable=False),
    Index(None, "plan_id"),
)

# What partners sent (STIX 2.1 bundles, MISP events), one row per object, owned by the
# organisation that imported it and marked as the partner marked it. `key` is the object's
# STIX id or MISP uuid: re-importing it updates the row (when newer) instead of adding one.
# `record` is the Outpost record the object carries (JSON, as outpost.export.shapes writes
# it); `source` names the partner or file, `origin` the producer the bundle named.
imported = Table(
    "imported",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # an Outpost record's kind (event, entity, place, story, assessment), a MISP item's
    # (misp-event, misp-attribute, misp-object, misp-report), or stix: a partner's own object
    Column("kind", String(16), nullable=False),
    Column("key", String(120), nullable=False),
    Column("record", Text, nullable=False),
    Column("modified", DateTime, nullable=False),  # the object's own `modified`
    Column("source", Text, nullable=False),
    Column("origin", Text, nullable=False),
    *_marked_columns(),
    Column("imported", DateTime, nullable=False),
    Column("updated", DateTime, nullable=False),
    UniqueConstraint("owner_org", "key"),
    Index(None, "kind", "id"),
)
