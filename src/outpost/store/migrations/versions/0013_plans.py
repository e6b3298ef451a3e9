"""Joint response plans: plans (marked items, like cases), their measures, the organisations
each measure is assigned to, each measure's transitions, and the notices sent (once each).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("marking", sa.String(length=20), nullable=False),
        sa.Column("owner_org", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("updated", sa.DateTime(), nullable=False),
        _fk("plans", "created_by", "users"),
        _fk("plans", "owner_org", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("uid", name=op.f("uq_plans_uid")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_updated_id"), ["updated", "id"])
        batch_op.create_index(batch_op.f("ix_plans_owner_org"), ["owner_org"])

    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("critical", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.Integer(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("domain", sa.String(length=40), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        _fk("measures", "plan_id", "plans", "CASCADE"),
        _fk("measures", "owner", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_measures_plan_id_number")),
    )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measures_due"), ["due"])

    op.create_table(
        "measure_orgs",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("measure_orgs", "measure_id", "measures", "CASCADE"),
        _fk("measure_orgs", "org_id", "organisations"),
        sa.PrimaryKeyConstraint("measure_id", "org_id", name=op.f("pk_measure_orgs")),
    )
    with op.batch_alter_table("measure_orgs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_orgs_org_id"), ["org_id"])

    op.create_table(
        "measure_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _fk("measure_history", "measure_id", "measures", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_history")),
    )
    with op.batch_alter_table("measure_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_history_measure_id_id"), ["measure_id", "id"])

    op.create_table(
        "plan_notices",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("sent", sa.DateTime(), nullable=False),
        _fk("plan_notices", "plan_id", "plans", "CASCADE"),
        _fk("plan_notices", "alert_id", "alerts", "SET NULL"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_plan_notices")),
    )
    with op.batch_alter_table("plan_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_notices_plan_id"), ["plan_id"])


def downgrade() -> None:
    for table, indexes in (
        ("plan_notices", ["ix_plan_notices_plan_id"]),
        ("measure_history", ["ix_measure_history_measure_id_id"]),
        ("measure_orgs", ["ix_measure_orgs_org_id"]),
        ("measures", ["ix_measures_due"]),
        ("plans", ["ix_plans_updated_id", "ix_plans_owner_org"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(batch_op.f(index))
        op.drop_table(table)
