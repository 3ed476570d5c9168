"""A project's pseudonym table: names and their forms, and what replaces them on export.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pseudonyms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("original", sa.String(length=200), nullable=False),
        sa.Column("replacement", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("forms", sa.JSON(), nullable=False),
        sa.CheckConstraint("category IN ('person', 'school', 'place', 'organisation', 'other')",
                           name="ck_pseudonym_category"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("original"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("pseudonyms")
