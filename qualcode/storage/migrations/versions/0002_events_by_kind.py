"""Index the event log by kind: audit views and adjudication history filter on it.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_kind", "events", ["kind", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_kind", table_name="events")
