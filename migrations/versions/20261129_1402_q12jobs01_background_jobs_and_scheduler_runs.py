"""background jobs and scheduler runs

Revision ID: q12jobs01
Revises: q12tokens01
Create Date: 2026-11-29 14:02:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q12jobs01'
down_revision = 'q12tokens01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('background_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('result_path', sa.String(length=500), nullable=True),
    sa.Column('result_name', sa.String(length=255), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_background_job_status')),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_background_job_progress_range')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_background_job_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_job'))
    )
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_job_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_background_job_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_background_job_status'), ['status'], unique=False)

    op.create_table('scheduler_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['background_job.id'], name=op.f('fk_scheduler_run_job_id_background_job'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_run'))
    )
    with op.batch_alter_table('scheduler_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_run_finished_at'), ['finished_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduler_run_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('scheduler_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_run_kind'))
        batch_op.drop_index(batch_op.f('ix_scheduler_run_finished_at'))

    op.drop_table('scheduler_run')
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_background_job_status'))
        batch_op.drop_index(batch_op.f('ix_background_job_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_background_job_kind'))

    op.drop_table('background_job')
