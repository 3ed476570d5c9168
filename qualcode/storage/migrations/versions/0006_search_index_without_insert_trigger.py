"""SQLite: the search index is filled by the writer of ``search_text``, not by a trigger.

The insert trigger ran once per sentence and made importing several times slower;
``add_document_terms`` now fills the FTS5 index itself, with one statement per
document. The delete trigger stays. Nothing is re-indexed: the index already holds
every row.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_text_ai")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER search_text_ai AFTER INSERT ON search_text BEGIN "
            "INSERT INTO search_fts(rowid, terms) VALUES (new.segment_id, new.terms); END"
        )
