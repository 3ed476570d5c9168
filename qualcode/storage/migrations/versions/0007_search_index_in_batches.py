"""SQLite: new documents reach the search index in batches, listed in ``search_pending``.

The delete trigger now skips rows of listed documents, which the index never held.
Nothing is pending in a project made before this revision.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_DELETE_IF_INDEXED = (
    "CREATE TRIGGER search_text_ad AFTER DELETE ON search_text "
    "WHEN old.document_id NOT IN (SELECT document_id FROM search_pending) BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.segment_id, old.terms); END"
)
_DELETE_ALWAYS = (
    "CREATE TRIGGER search_text_ad AFTER DELETE ON search_text BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.segment_id, old.terms); END"
)


def upgrade() -> None:
    op.create_table("search_pending", sa.Column("document_id", sa.Integer(), autoincrement=False, nullable=False),
                    sa.PrimaryKeyConstraint("document_id"))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_text_ad")
        op.execute(_DELETE_IF_INDEXED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO search_fts (rowid, terms) SELECT segment_id, terms FROM search_text "
                   "WHERE document_id IN (SELECT document_id FROM search_pending)")
        op.execute("DROP TRIGGER IF EXISTS search_text_ad")
        op.execute(_DELETE_ALWAYS)
    op.drop_table("search_pending")
