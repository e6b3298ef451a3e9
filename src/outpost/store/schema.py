"""The tables, on one MetaData. Dialect-specific full-text search lives in the migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
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
)

feed_entries = Table(
    "feed_entries",
    metadata,
    Column("feed_key", String(64), ForeignKey("feeds.url_key"), primary_key=True),
    Column("entry_key", String(64), primary_key=True),
    Column("article_uid", String(32)),
    Column("seen", DateTime, nullable=False),
)
