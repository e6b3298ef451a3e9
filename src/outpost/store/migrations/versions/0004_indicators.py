"""Indicator series: one row per article and series it counts in.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_series",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_series_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "kind", "key", name=op.f("pk_article_series")),
    )
    with op.batch_alter_table("article_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_series_kind_day"), ["kind", "day"], unique=False
        )
    # Articles analysed before this revision have no series yet: mark them stale, so the
    # next `outpost analyze --all` counts them.
    op.execute("UPDATE analyses SET version = 'before-indicators'")


def downgrade() -> None:
    with op.batch_alter_table("article_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_series_kind_day"))
    op.drop_table("article_series")
