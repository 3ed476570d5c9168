"""Keep the GUIDs of objects imported from REFI-QDA files, for re-export.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ONE_TARGET = " + ".join(
    f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)"
    for column in ("document_id", "code_id", "coder_id", "coding_id", "memo_id")) + " = 1"


def upgrade() -> None:
    op.create_table(
        "exchange_guids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=38), nullable=False),
        sa.Column("selection_guid", sa.String(length=38), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("coder_id", sa.Integer(), nullable=True),
        sa.Column("coding_id", sa.Integer(), nullable=True),
        sa.Column("memo_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(_ONE_TARGET, name="exchange_guid_one_target"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coder_id"], ["coders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coding_id"], ["codings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["memo_id"], ["memos.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id"),
        sa.UniqueConstraint("code_id"),
        sa.UniqueConstraint("coder_id"),
        sa.UniqueConstraint("coding_id"),
        sa.UniqueConstraint("memo_id"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("exchange_guids")
