"""source_fingerprint.legacy_hash: per-file hashes, old-formula folder hash kept for recognition

The folder digest becomes a hash of each file's name and SHA-256 (stored per file in
source_fingerprint.files), so only a changed file is read again. Vintages loaded before carry the
old formula's hash; legacy_hash keeps it beside the new digest while no file changes, so they
are recognised as unchanged (or still held or rejected) instead of being loaded again.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_fingerprint") as batch:
        batch.add_column(sa.Column("legacy_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_fingerprint") as batch:
        batch.drop_column("legacy_hash")
