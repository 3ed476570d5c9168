"""A coder's role in the project: reader, coder or supervisor (NULL until one is set).

Revision ID: 0021
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None

CHECK = "role IS NULL OR role IN ('reader', 'coder', 'supervisor')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a nullable column with a CHECK clause without rebuilding the table.
        op.execute(f"ALTER TABLE coders ADD COLUMN role VARCHAR(20) CONSTRAINT ck_coder_role CHECK ({CHECK})")
        return
    op.add_column("coders", sa.Column("role", sa.String(length=20), nullable=True))
    op.create_check_constraint("ck_coder_role", "coders", CHECK)


def downgrade() -> None:
    # The CHECK clause names the column: it goes first, or the rebuilt table would keep it.
    with op.batch_alter_table("coders", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint("ck_coder_role", type_="check")
        batch.drop_column("role")
