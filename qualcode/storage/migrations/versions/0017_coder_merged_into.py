"""A coder merged into another keeps their row, pointing at the coder they now are.

The event log is append-only and names who made each change by coder id, so the
row of a coder merged away stays (the log keeps saying who did what under which name);
``merged_into`` sends that name to the coder the work was moved to.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A nullable column with a REFERENCES clause: SQLite adds it without a table rebuild
        # (Alembic's add_column would ask for one to name the constraint).
        op.execute("ALTER TABLE coders ADD COLUMN merged_into INTEGER "
                   "REFERENCES coders (id) ON DELETE SET NULL")
        return
    op.add_column("coders", sa.Column(
        "merged_into", sa.Integer(), sa.ForeignKey("coders.id", ondelete="SET NULL"), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coders", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("merged_into")
