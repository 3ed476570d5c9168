"""Codings may carry a weight: an integer 0-100 (as MAXQDA's weight score), or none.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A column-level CHECK: SQLite can add it with ALTER TABLE, no table rebuild needed.
    op.add_column("codings", sa.Column(
        "weight", sa.Integer(),
        sa.CheckConstraint("weight IS NULL OR (weight >= 0 AND weight <= 100)", name="coding_weight"),
        nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("codings", table_kwargs={"sqlite_autoincrement": True}) as batch:
        # The CHECK names the column: it goes first, or the rebuilt table would refer to nothing.
        batch.drop_constraint("coding_weight", type_="check")
        batch.drop_column("weight")
