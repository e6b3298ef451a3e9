"""The migrations and the tables agree: a store migrated to the head revision has exactly the
tables, columns, types, nullability, indexes, unique constraints and foreign keys that
`outpost.store.schema` declares, on SQLite and on PostgreSQL. A table changed without its
migration (or a migration without its table) fails here, with every difference listed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Index, MetaData, String, Table, Text
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from outpost.store import connect
from outpost.store.schema import metadata

Entry = tuple[str, str, str]  # (kind, table, name)

# What the migrations make by raw SQL for full-text search, which tables on a MetaData cannot
# declare: (kind, table, name) per dialect. Each entry must exist in the migrated database (a
# stale one fails the test too), so the list stays as short as the truth.
MIGRATION_ONLY: dict[str, set[Entry]] = {
    "sqlite": {
        # 0001: the FTS5 index of articles (external content, kept by triggers) ...
        ("table", "articles_fts", "articles_fts"),
        # ... and the shadow tables FTS5 makes for it, which SQLite lists as plain tables.
        ("table", "articles_fts_config", "articles_fts_config"),
        ("table", "articles_fts_data", "articles_fts_data"),
        ("table", "articles_fts_docsize", "articles_fts_docsize"),
        ("table", "articles_fts_idx", "articles_fts_idx"),
    },
    "postgresql": {
        # 0001: the generated tsvector column of articles, and its GIN index.
        ("column", "articles", "search"),
        ("index", "articles", "ix_articles_search"),
    },
}


def differences(engine: Engine, target: MetaData) -> tuple[list[str], set[Entry]]:
    """Every difference between the database and `target`, one line each, and the entries of
    the allow-list that matched nothing."""
    allowed = MIGRATION_ONLY[engine.dialect.name]
    used: set[Entry] = set()

    def include_object(
        obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any
    ) -> bool:
        if not reflected or compare_to is not None:
            return True  # only what exists in the database alone may be left out
        table = obj.name if kind == "table" else obj.table.name
        key = (kind, table, name or "")
        if key in allowed:
            used.add(key)
            return False
        return True

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diffs = compare_metadata(context, target)
    return [say(diff) for diff in diffs], allowed - used


def say(diff: Any) -> str:
    """One line for one item of compare_metadata's answer."""
    if isinstance(diff, list):  # the changes of one column
        return "; ".join(say(change) for change in diff)
    op, *rest = diff
    if op.startswith("modify_"):  # (op, schema, table, column, existing, database, schema.py)
        _, table, column, _, in_database, in_schema = rest
        what = op.removeprefix("modify_")
        return (
            f"{table}.{column}: {what} is {in_database!r} in the database, "
            f"{in_schema!r} in schema.py"
        )
    where = "only in schema.py" if op.startswith("add_") else "only in the migrated database"
    # (add_column, schema, table, column): the column names its table
    named = [item for item in rest if item is not None and not isinstance(item, str)]
    items = [_name(item) for item in named or [item for item in rest if item is not None]]
    return f"{op} {' '.join(items)} ({where})"


def _name(item: Any) -> str:
    if isinstance(item, Table):
        return f"table {item.name}"
    if isinstance(item, Column):
        return f"column {item.table.name}.{item.name} {item.type}"
    if isinstance(item, Index | ColumnCollectionConstraint):
        table = item.table.name if item.table is not None else "?"
        return f"{type(item).__name__} {item.name} on {table}({_columns(item.columns)})"
    return str(item)


def _columns(columns: Sequence[Column[Any]] | Any) -> str:
    return ", ".join(column.name for column in columns)


def test_migrated_database_matches_the_tables(database_url: str) -> None:
    engine = connect(database_url)
    try:
        found, stale = differences(engine, metadata)
    finally:
        engine.dispose()
    assert not found, "the migrations and schema.py differ:\n" + "\n".join(found)
    assert not stale, f"allow-list entries that match nothing (remove them): {sorted(stale)}"


def drifted() -> MetaData:
    """A copy of the tables with one drift of each kind the guard must see."""
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    feeds, articles, alerts = (copy.tables[name] for name in ("feeds", "articles", "alerts"))
    feeds.append_column(Column("extra", Text))  # a column without its migration
    feeds.c.etag.type = String(32)  # a type changed
    feeds.c.url.nullable = True  # nullability changed
    articles.indexes.remove(_named(articles.indexes, "ix_articles_lang"))
    alerts.constraints.remove(_named(alerts.constraints, "uq_alerts_rule_id_subject"))
    entries = copy.tables["feed_entries"]
    entries.constraints.remove(next(iter(entries.foreign_key_constraints)))
    Table("forgotten", copy, Column("id", String(8), primary_key=True))
    return copy


def _named(items: Iterable[Any], name: str) -> Any:
    return next(item for item in items if item.name == name)


def test_the_guard_lists_every_kind_of_drift(database_url: str) -> None:
    engine = connect(database_url)
    try:
        found, _ = differences(engine, drifted())
    finally:
        engine.dispose()
    report = "\n".join(found)
    expected = [
        "add_table table forgotten",
        "add_column column feeds.extra",
        "feeds.etag: type is",
        "feeds.url: nullable is False in the database, True in schema.py",
        "remove_index Index ix_articles_lang on articles(lang)",
        "remove_fk ForeignKeyConstraint fk_feed_entries_feed_key_feeds on feed_entries(feed_key)",
        "remove_constraint UniqueConstraint uq_alerts_rule_id_subject on alerts(rule_id, subject)",
    ]
    missing = [line for line in expected if line not in report]
    assert not missing, f"not reported: {missing}\nreported:\n{report}"
    assert len(found) == len(expected), report  # nothing else differs
