"""data-sharing register: the agreement each dataset is held under and who it is shared with

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_sharing_entry",
        sa.Column("dataset_id", sa.String(length=80), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("agreement_type", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("classification", sa.String(length=40), nullable=False),
        sa.Column("shared_with", sa.Text(), nullable=False),
        sa.Column("may_publish", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id"),
    )


def downgrade() -> None:
    op.drop_table("data_sharing_entry")
