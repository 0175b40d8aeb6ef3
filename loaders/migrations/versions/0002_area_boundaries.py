"""area boundaries: police force area outlines per vintage, for maps

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_boundary",
        sa.Column("vintage_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["area_code"], ["area.code"]),
        sa.ForeignKeyConstraint(["vintage_id"], ["vintage.id"]),
        sa.PrimaryKeyConstraint("vintage_id", "area_code"),
    )


def downgrade() -> None:
    op.drop_table("area_boundary")
