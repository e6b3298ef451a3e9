"""How each name was found (the recogniser of its language, the knowledge base's scan, the
context, the gazetteer): kept with the mention, so pages and the API can say it.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(
            sa.Column("method", sa.String(length=24), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("method")
