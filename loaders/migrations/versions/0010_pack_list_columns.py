"""pack list columns: a pack's reference and whether it withholds small numbers, as columns

The /packs list needs only these two facts from each pack's record of figures; as columns the list
reads them without loading every record.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pack_snapshot") as batch:
        batch.add_column(sa.Column("reference", sa.String(80), nullable=False, server_default=""))
        batch.add_column(
            sa.Column(
                "small_numbers_hidden", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    snapshots = sa.table(
        "pack_snapshot",
        sa.column("id", sa.Integer()),
        sa.column("content", sa.JSON()),
        sa.column("reference", sa.String()),
        sa.column("small_numbers_hidden", sa.Boolean()),
    )
    connection = op.get_bind()
    for snapshot_id, content in connection.execute(sa.select(snapshots.c.id, snapshots.c.content)):
        content = content or {}
        connection.execute(
            snapshots.update()
            .where(snapshots.c.id == snapshot_id)
            .values(
                reference=str(content.get("reference", ""))[:80],
                small_numbers_hidden=bool(content.get("small_numbers_hidden")),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("pack_snapshot") as batch:
        batch.drop_column("small_numbers_hidden")
        batch.drop_column("reference")
