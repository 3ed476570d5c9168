"""Index codings by code, document, speaker and coder: comparison matrices aggregate on it.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_codings_matrix", "codings", ["code_id", "document_id", "speaker_id", "coder_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_codings_matrix", table_name="codings")
