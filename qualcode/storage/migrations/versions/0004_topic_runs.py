"""Topic-model runs: settings, topics and each segment's topic.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:12:26.969203
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('topic_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('versions', sa.JSON(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('topic_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['embedding_models.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('representatives', sa.JSON(), nullable=False),
    sa.Column('candidate_code_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['candidate_code_id'], ['codes.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['topic_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'number', name='uq_topics_run_number')
    )
    op.create_table('topic_assignments',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('topic_number', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['topic_runs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'segment_id')
    )
    with op.batch_alter_table('topic_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_topic_assignments_topic', ['run_id', 'topic_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('topic_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_assignments_topic')

    op.drop_table('topic_assignments')
    op.drop_table('topics')
    op.drop_table('topic_runs')
