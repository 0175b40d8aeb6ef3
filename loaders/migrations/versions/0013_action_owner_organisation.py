"""action owner organisation: the organisation asked to act on an action

Its members may report progress on the action (loaders/access.can_update_action), including on a
force-wide measure, where only the OPCC writes commentary and raises actions. Existing actions name
no organisation, so who may update them is unchanged apart from that rule.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_action") as batch:
        batch.add_column(
            sa.Column("owner_organisation", sa.String(40), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_action") as batch:
        batch.drop_column("owner_organisation")
