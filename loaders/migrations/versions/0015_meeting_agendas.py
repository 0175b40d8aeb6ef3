"""meeting agendas: a chair's choice and order of a meeting's screens

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("agenda", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("agenda_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("agenda_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("agenda_at")
        batch.drop_column("agenda_by")
        batch.drop_column("agenda")
