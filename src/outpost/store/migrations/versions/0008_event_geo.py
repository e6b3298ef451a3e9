"""Events carry what the lists filter and sort on: the place's coordinates and first-level
division, the article's time, language and source; with indexes for the default sort and the
common filters, and covering indexes for the actor and domain filters.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# New indexes: (table, columns). Each was chosen from the query plans of the lists
# (store/lists; EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL, on the stores of
# benchmarks/workspace_data.py up to a million events):
# - a filter's index leads with the filtered column and ends with the sort key, so a page is
#   read in order from the index and stops after `limit` rows ("SEARCH events USING INDEX
#   ix_events_country_published_id (country=?)", no "USE TEMP B-TREE FOR ORDER BY");
# - the sort index of events carries lat, lon and domains: a box is then tested on the index
#   while reading in order, and a map of a time range reads the index alone ("COVERING");
# - the rows another table answers a filter with are counted from an index holding both the
#   key and the id ("SEARCH event_parties USING COVERING INDEX ix_event_parties_party_event_id
#   (party=?)"), never from the rows: an article's row holds its text, and its time and
#   language are stored after it, so reading them reads the text;
# - places are counted from (article_id, geonames_id, name, id), mentions of the most recent
#   articles, without their rows; stories' sort index covers their time range and state, so
#   a count of stories reads it alone.
INDEXES = [
    ("events", ["published", "id", "lat", "lon", "domains"]),
    ("events", ["country", "published", "id"]),
    ("events", ["admin1", "published", "id"]),
    ("events", ["type", "published", "id"]),
    ("events", ["lang", "published", "id"]),
    ("events", ["source", "published", "id"]),
    ("events", ["score", "id"]),
    ("events", ["lat", "lon", "domains", "article_id"]),
    ("event_parties", ["party", "event_id"]),
    ("event_domains", ["domain", "event_id"]),
    ("mentions", ["kb_id", "article_id"]),
    ("places", ["country", "article_id"]),
    ("places", ["article_id", "geonames_id", "name", "id"]),
    ("places", ["admin1", "article_id"]),
    ("article_series", ["kind", "key", "day", "article_id"]),
    ("stories", ["last_seen", "id", "first_seen", "state"]),
    ("stories", ["article_count", "id"]),
]
# Replaced by the ones above that start with the same column.
REPLACED = [
    ("events", ["type"]),
    ("events", ["country"]),
    ("event_parties", ["party"]),
    ("event_domains", ["domain"]),
    ("mentions", ["kb_id"]),
    ("places", ["country"]),
    ("places", ["article_id"]),
]
# Articles in time order (their publication time, else their fetch time), alone and within
# a language or a source: expression indexes, which Alembic compares on PostgreSQL but
# cannot reflect on SQLite.
ARTICLES_TIME = {
    "ix_articles_time": "",
    "ix_articles_lang_time": "lang, ",
    "ix_articles_source_time": "source, ",
}

# The backfill. Every event's article exists (a foreign key), and its fetch time is never
# null, so `published` and `source` are filled for every row.
FROM_ARTICLE = """
UPDATE events SET
    published = (SELECT coalesce(a.published, a.fetched) FROM articles a
                 WHERE a.id = events.article_id),
    lang = (SELECT a.lang FROM articles a WHERE a.id = events.article_id),
    source = (SELECT a.source FROM articles a WHERE a.id = events.article_id)
"""
FROM_PLACE = {
    "sqlite": """
        UPDATE events SET
            lat = json_extract(place, '$.lat'),
            lon = json_extract(place, '$.lon'),
            admin1 = substr(json_extract(place, '$.admin1'), 1, 64)
        WHERE place IS NOT NULL AND json_valid(place)
    """,
    "postgresql": """
        UPDATE events SET
            lat = CAST(CAST(place AS json) ->> 'lat' AS double precision),
            lon = CAST(CAST(place AS json) ->> 'lon' AS double precision),
            admin1 = left(CAST(place AS json) ->> 'admin1', 64)
        WHERE place IS NOT NULL
    """,
}


def _name(table: str, columns: list[str]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _add_columns(dialect)
    op.execute(FROM_ARTICLE)
    op.execute(FROM_PLACE[dialect])
    if dialect == "postgresql":
        op.alter_column("events", "published", existing_type=sa.DateTime(), nullable=False)
        op.alter_column("events", "source", existing_type=sa.Text(), nullable=False)
    for table, columns in REPLACED:
        op.drop_index(_name(table, columns), table_name=table)
    for table, columns in INDEXES:
        op.create_index(_name(table, columns), table, columns)
    for name, first in ARTICLES_TIME.items():
        op.execute(f"CREATE INDEX {name} ON articles ({first}coalesce(published, fetched), id)")
    # The plain index on dates.article_id stays: schema.py had declared it twice.


def _add_columns(dialect: str) -> None:
    """SQLite adds a NOT NULL column only with a default (its rows need a value), and
    changing it afterwards means copying the table, which with foreign keys on would delete
    the events' parties and domains (ON DELETE CASCADE); so the default stays there, unused:
    every insert gives both columns. PostgreSQL adds them nullable and sets NOT NULL after
    the backfill."""
    sqlite = dialect == "sqlite"
    default = sa.text("''") if sqlite else None
    columns: list[sa.Column[Any]] = [
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("admin1", sa.String(length=64), nullable=True),
        sa.Column("published", sa.DateTime(), nullable=not sqlite, server_default=default),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("source", sa.Text(), nullable=not sqlite, server_default=default),
    ]
    for column in columns:
        op.add_column("events", column)


def downgrade() -> None:
    for name in ARTICLES_TIME:
        op.execute(f"DROP INDEX {name}")
    for table, columns in reversed(INDEXES):
        op.drop_index(_name(table, columns), table_name=table)
    for table, columns in REPLACED:
        op.create_index(_name(table, columns), table, columns)
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy of the table: see
    # _add_columns.
    for column in ("source", "lang", "published", "admin1", "lon", "lat"):
        op.execute(f"ALTER TABLE events DROP COLUMN {column}")
