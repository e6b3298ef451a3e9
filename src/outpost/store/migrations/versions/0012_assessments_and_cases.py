"""Assessments and cases: what people write, each with a TLP 2.0 marking, an owner
organisation and its maker; the organisations and people named on items (AMBER, RED); a
case's links, comments, timeline and tasks.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shared_orgs",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_shared_orgs_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("kind", "item_id", "org_id", name=op.f("pk_shared_orgs")),
    )
    with op.batch_alter_table("shared_orgs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_orgs_org_id"), ["org_id"])

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=80), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("judgements", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=8), nullable=False),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("credibility", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("review", sa.Date(), nullable=True),
        sa.Column("marking", sa.String(length=20), nullable=False),
        sa.Column("owner_org", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_assessments_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_org"], ["organisations.id"], name=op.f("fk_assessments_owner_org_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_owner_org"), ["owner_org"])
        batch_op.create_index(
            batch_op.f("ix_assessments_target_kind_target_id"),
            ["target_kind", "target_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_assessments_updated_id"), ["updated", "id"], unique=False
        )

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("assignee", sa.Integer(), nullable=True),
        sa.Column("origin_kind", sa.String(length=8), nullable=False),
        sa.Column("origin_id", sa.String(length=80), nullable=True),
        sa.Column("marking", sa.String(length=20), nullable=False),
        sa.Column("owner_org", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assignee"], ["users.id"], name=op.f("fk_cases_assignee_users")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_cases_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_org"], ["organisations.id"], name=op.f("fk_cases_owner_org_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_owner_org"), ["owner_org"])
        batch_op.create_index(
            batch_op.f("ix_cases_status_updated_id"), ["status", "updated", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cases_updated_id"), ["updated", "id"])

    op.create_table(
        "shared_people",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_shared_people_user_id_users")
        ),
        sa.PrimaryKeyConstraint("kind", "item_id", "user_id", name=op.f("pk_shared_people")),
    )
    with op.batch_alter_table("shared_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_people_user_id"), ["user_id"])

    op.create_table(
        "case_assessments",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("added", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_case_assessments_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_assessments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "assessment_id", name=op.f("pk_case_assessments")),
    )
    with op.batch_alter_table("case_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_assessments_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "case_links",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.String(length=80), nullable=False),
        sa.Column("added", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_links_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "target_kind", "target_id", name=op.f("pk_case_links")),
    )
    with op.batch_alter_table("case_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_links_target_kind_target_id"),
            ["target_kind", "target_id"],
            unique=False,
        )

    op.create_table(
        "case_timeline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("item_kind", sa.String(length=16), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_timeline_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_timeline")),
    )
    with op.batch_alter_table("case_timeline", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_timeline_case_id_id"), ["case_id", "id"], unique=False
        )

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("marking", sa.String(length=20), nullable=False),
        sa.Column("owner_org", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_comments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_comments_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_org"], ["organisations.id"], name=op.f("fk_comments_owner_org_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_case_id_id"), ["case_id", "id"])

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done", sa.DateTime(), nullable=True),
        sa.Column("done_by", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_tasks_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_tasks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_tasks_assessment_id")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_case_id"), ["case_id"])


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_case_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_case_id_id"))

    op.drop_table("comments")
    with op.batch_alter_table("case_timeline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_timeline_case_id_id"))

    op.drop_table("case_timeline")
    with op.batch_alter_table("case_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_links_target_kind_target_id"))

    op.drop_table("case_links")
    with op.batch_alter_table("case_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_assessments_assessment_id"))

    op.drop_table("case_assessments")
    with op.batch_alter_table("shared_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_people_user_id"))

    op.drop_table("shared_people")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_updated_id"))
        batch_op.drop_index(batch_op.f("ix_cases_status_updated_id"))
        batch_op.drop_index(batch_op.f("ix_cases_owner_org"))

    op.drop_table("cases")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_updated_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_target_kind_target_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_owner_org"))

    op.drop_table("assessments")
    with op.batch_alter_table("shared_orgs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_orgs_org_id"))

    op.drop_table("shared_orgs")
