"""The plan an alert was raised for: its marking and sharing are the alert's.

Alerts of plans raised before this revision are tied to their plan through the notices that
raised them (plan_notices.alert_id), so they are not left CLEAR.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_plan_id_plans"), "plans", ["plan_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(batch_op.f("ix_alerts_plan_id"), ["plan_id"])
    op.execute(
        "UPDATE alerts SET plan_id = (SELECT MIN(plan_notices.plan_id) FROM plan_notices"
        " WHERE plan_notices.alert_id = alerts.id)"
        " WHERE EXISTS (SELECT 1 FROM plan_notices WHERE plan_notices.alert_id = alerts.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_plan_id"))
        batch_op.drop_constraint(batch_op.f("fk_alerts_plan_id_plans"), type_="foreignkey")
        batch_op.drop_column("plan_id")
