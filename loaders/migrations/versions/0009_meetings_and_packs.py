"""meetings, commentary with its history, the action log and frozen board packs

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.String(40), nullable=False, index=True),
        sa.Column("meeting_date", sa.Date(), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "commentary",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("measure_id", sa.String(80), nullable=False, index=True),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("draft_text", sa.Text(), nullable=True),
        sa.Column("draft_by", sa.String(80), nullable=True),
        sa.Column("published_text", sa.Text(), nullable=True),
        sa.Column("published_by", sa.String(80), nullable=True),
        sa.Column("published_at", WHEN, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("measure_id", "period_end"),
    )
    op.create_table(
        "commentary_version",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "commentary_id",
            sa.Integer(),
            sa.ForeignKey("commentary.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(80), nullable=False),
        sa.Column("organisation", sa.String(40), nullable=False),
        sa.Column("saved_at", WHEN, nullable=False),
        sa.UniqueConstraint("commentary_id", "version"),
    )
    op.create_table(
        "meeting_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "meeting_id",
            sa.Integer(),
            sa.ForeignKey("meeting.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("measure_id", sa.String(80), nullable=False, index=True),
        sa.Column("signal", sa.String(300), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("update_note", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(80), nullable=False),
        sa.Column("raised_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "pack_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.String(40), nullable=False, index=True),
        sa.Column(
            "meeting_id",
            sa.Integer(),
            sa.ForeignKey("meeting.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("period_label", sa.String(80), nullable=False),
        sa.Column("audience", sa.String(200), nullable=False),
        sa.Column("measure_ids", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pptx", sa.LargeBinary(), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.Column("generated_by", sa.String(80), nullable=False),
        sa.Column("generated_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    for table in ("pack_snapshot", "meeting_action", "commentary_version", "commentary", "meeting"):
        op.drop_table(table)
