"""pack jobs: a board pack is generated in the background and its page polls for the outcome

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pack_job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.String(40), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(500), nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("pack_job")
