"""Running words of each document, for word frequencies, concordances and keyness.

The table starts empty; documents are tokenised into it the first time a word
command needs them (``services/words.py``), and by every import after that.

Revision ID: 0016
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "word_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("speaker_id", sa.Integer(), sa.ForeignKey("speakers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_word_tokens_form", "word_tokens", ["form", "document_id"])
    op.create_index("ix_word_tokens_document_speaker", "word_tokens", ["document_id", "speaker_id", "form"])
    op.create_table(
        "word_indexed",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
    )


def downgrade() -> None:
    op.drop_table("word_indexed")
    op.drop_index("ix_word_tokens_document_speaker", "word_tokens")
    op.drop_index("ix_word_tokens_form", "word_tokens")
    op.drop_table("word_tokens")
