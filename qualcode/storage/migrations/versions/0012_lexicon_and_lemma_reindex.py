"""A project's own word lists (stop words, fillers, lemma overrides), and a search
index to rebuild with the new lemmatizer.

The rebuild itself is not done here: it needs the lemma tables and shows a progress
bar, so it runs when the project is next opened (``services/lemmas.py``), which it
knows to do because the index's lemmatizer version (``settings``) is missing.

Revision ID: 0012
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lexicon_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("word", sa.String(length=200), nullable=False),
        sa.Column("lemma", sa.String(length=200), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("language", "kind", "word", name="uq_lexicon_entry"),
        sqlite_autoincrement=True,
    )
    op.execute("DELETE FROM settings WHERE key = 'search.lemmatizer'")


def downgrade() -> None:
    op.drop_table("lexicon_entries")
