"""release review: loader notes kept with each run; vintages held for review or kept as history

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

A refresh run keeps its loader's notes (`refresh_run.notes`, a JSON list of {level, text}) and
may end "success with warnings" or "held for review", longer than the old 20 characters. A
vintage records the release it came from (`release_date`), and whether it became current
(`accepted`), waits for an administrator (`held`), was turned down (`rejected`) or is an older
release kept only as history (`history`), with why (`review`) and who decided.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "refresh_run", sa.Column("notes", sa.JSON(), nullable=False, server_default="[]")
    )
    with op.batch_alter_table("refresh_run") as batch:  # SQLite: the table is copied
        batch.alter_column("status", type_=sa.String(40), existing_type=sa.String(20))
    op.add_column(
        "vintage",
        sa.Column("review_status", sa.String(20), nullable=False, server_default="accepted"),
    )
    op.add_column("vintage", sa.Column("release_date", sa.Date(), nullable=True))
    op.add_column("vintage", sa.Column("review", sa.JSON(), nullable=True))
    op.add_column("vintage", sa.Column("decided_by", sa.String(80), nullable=True))
    op.add_column("vintage", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE vintage SET release_date = period_latest")
    op.create_index("ix_vintage_review_status", "vintage", ["dataset_id", "review_status"])


def downgrade() -> None:
    op.drop_index("ix_vintage_review_status", table_name="vintage")
    for column in ("decided_at", "decided_by", "review", "release_date", "review_status"):
        op.drop_column("vintage", column)
    with op.batch_alter_table("refresh_run") as batch:
        batch.alter_column("status", type_=sa.String(20), existing_type=sa.String(40))
    op.drop_column("refresh_run", "notes")
