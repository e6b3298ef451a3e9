"""What partners sent: one row per imported STIX object or MISP event item, marked and owned
by the importing organisation, with its provenance.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imported",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("marking", sa.String(length=20), nullable=False),
        sa.Column("owner_org", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("imported", sa.DateTime(), nullable=False),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_imported_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_org"], ["organisations.id"], name=op.f("fk_imported_owner_org_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported")),
        sa.UniqueConstraint("owner_org", "key", name=op.f("uq_imported_owner_org_key")),
    )
    with op.batch_alter_table("imported", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imported_kind_id"), ["kind", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("imported", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_kind_id"))
    op.drop_table("imported")
