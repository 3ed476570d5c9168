"""The running words' form index also holds each word's place and speaker.

``(form, document_id, start, speaker_id)`` replaces ``(form, document_id)``: a word
list grouped by form reads the index alone (speakers included), and the first page
of a concordance is the first rows of the index for that form, already in reading
order.

Revision ID: 0025
Revises: 0022
"""

from alembic import op

revision = "0025"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_word_tokens_form", "word_tokens")
    op.create_index("ix_word_tokens_form_place", "word_tokens", ["form", "document_id", "start", "speaker_id"])


def downgrade() -> None:
    op.drop_index("ix_word_tokens_form_place", "word_tokens")
    op.create_index("ix_word_tokens_form", "word_tokens", ["form", "document_id"])
