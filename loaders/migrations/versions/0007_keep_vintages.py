"""keep every loaded vintage: the database refuses to delete or rewrite one

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-27

A revision is only visible while the earlier figures exist, so loaded vintages and their
observations are an append-only record. Triggers enforce that for every client, not just this
code: deleting a vintage, or deleting or changing an observation's figures, fails with a
message that says why. Columns added later to either table stay writable.
"""

from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None

MESSAGE = "loaded vintages are kept: every load stays so revisions remain visible"
# The columns that make up a stored figure or a vintage's identity; nothing may rewrite them.
OBSERVATION_COLUMNS = (
    "vintage_id, dataset_id, measure_id, area_code, period_start, period_end, period_type, "
    "value, numerator, denominator, breakdown, breakdown_key"
)
VINTAGE_COLUMNS = (
    "dataset_id, loaded_at, source_location, content_hash, row_count, period_latest, is_demo"
)
SQLITE_TRIGGERS = {
    "vintage_kept_on_delete": "BEFORE DELETE ON vintage",
    "vintage_kept_on_update": f"BEFORE UPDATE OF {VINTAGE_COLUMNS} ON vintage",
    "observation_kept_on_delete": "BEFORE DELETE ON observation",
    "observation_kept_on_update": f"BEFORE UPDATE OF {OBSERVATION_COLUMNS} ON observation",
}
POSTGRES_TRIGGERS = {
    "vintage_kept": f"BEFORE DELETE OR UPDATE OF {VINTAGE_COLUMNS} ON vintage FOR EACH ROW",
    "vintage_kept_on_truncate": "BEFORE TRUNCATE ON vintage FOR EACH STATEMENT",
    "observation_kept": (
        f"BEFORE DELETE OR UPDATE OF {OBSERVATION_COLUMNS} ON observation FOR EACH ROW"
    ),
    "observation_kept_on_truncate": "BEFORE TRUNCATE ON observation FOR EACH STATEMENT",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION lcjp_refuse_history_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'integrity_constraint_violation'; "
            "END $$"
        )
        for name, when in POSTGRES_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION lcjp_refuse_history_change()")
        return
    for name, when in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, when in POSTGRES_TRIGGERS.items():
            table = when.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS lcjp_refuse_history_change()")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
