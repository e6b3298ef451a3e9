"""Initial schema: articles with raw items, near-duplicate bands, ingest errors, feed state,
and full-text search (FTS5 on SQLite, a tsvector column on PostgreSQL).

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("checked", sa.DateTime(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("url_key", name=op.f("pk_feeds")),
    )
    op.create_table(
        "ingest_errors",
        sa.Column("locator_key", sa.String(length=64), nullable=False),
        sa.Column("locator", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("locator_key", name=op.f("pk_ingest_errors")),
    )
    op.create_table(
        "raw_items",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_raw_items")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("url_key", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("published", sa.DateTime(), nullable=True),
        sa.Column("fetched", sa.DateTime(), nullable=False),
        sa.Column("raw_hash", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("near_duplicate_of", sa.String(length=32), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("locator", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["near_duplicate_of"],
            ["articles.uid"],
            name=op.f("fk_articles_near_duplicate_of_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["raw_hash"], ["raw_items.hash"], name=op.f("fk_articles_raw_hash_raw_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_articles_source_external_id")),
        sa.UniqueConstraint("text_hash", name=op.f("uq_articles_text_hash")),
        sa.UniqueConstraint("uid", name=op.f("uq_articles_uid")),
        sa.UniqueConstraint("url_key", name=op.f("uq_articles_url_key")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_lang"), ["lang"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_articles_near_duplicate_of"), ["near_duplicate_of"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_articles_published"), ["published"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_source"), ["source"], unique=False)

    op.create_table(
        "feed_entries",
        sa.Column("feed_key", sa.String(length=64), nullable=False),
        sa.Column("entry_key", sa.String(length=64), nullable=False),
        sa.Column("article_uid", sa.String(length=32), nullable=True),
        sa.Column("seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_key"], ["feeds.url_key"], name=op.f("fk_feed_entries_feed_key_feeds")
        ),
        sa.PrimaryKeyConstraint("feed_key", "entry_key", name=op.f("pk_feed_entries")),
    )
    op.create_table(
        "article_bands",
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("band", "article_id", name=op.f("pk_article_bands")),
    )
    _create_search()


def downgrade() -> None:
    _drop_search()
    op.drop_table("article_bands")
    op.drop_table("feed_entries")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_source"))
        batch_op.drop_index(batch_op.f("ix_articles_published"))
        batch_op.drop_index(batch_op.f("ix_articles_near_duplicate_of"))
        batch_op.drop_index(batch_op.f("ix_articles_lang"))

    op.drop_table("articles")
    op.drop_table("raw_items")
    op.drop_table("ingest_errors")
    op.drop_table("feeds")


# Full-text search. Both dialects index unstemmed tokens; `outpost.store.search` stems the
# query's words (Russian and English Snowball) and matches them as prefixes, so both
# dialects give the same answers and Russian inflection ("Афганистане") is found.
SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text)
        VALUES (new.id, coalesce(new.title, ''), new.text);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, coalesce(old.title, ''), old.text);
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, coalesce(old.title, ''), old.text);
        INSERT INTO articles_fts(rowid, title, text)
        VALUES (new.id, coalesce(new.title, ''), new.text);
    END""",
]
# A tsvector is capped at 1 MB: index the first 500,000 characters of very long texts.
POSTGRESQL_SEARCH = [
    """ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', coalesce(title, '') || ' ' || left(text, 500000))) STORED""",
    "CREATE INDEX ix_articles_search ON articles USING gin (search)",
]


def _create_search() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRESQL_SEARCH:
        op.execute(statement)


def _drop_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS articles_fts_{name}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search")
