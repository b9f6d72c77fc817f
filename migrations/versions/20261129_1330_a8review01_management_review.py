"""management reviews: inputs frozen when held, decisions that are tracked actions

Revision ID: a8review01
Revises: a7remap01
Create Date: 2026-11-29 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8review01'
down_revision = 'a7remap01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'management_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('chair', sa.String(length=200), nullable=False),
        sa.Column('attendees', sa.Text(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('notes_actions', sa.Text(), nullable=False),
        sa.Column('notes_context', sa.Text(), nullable=False),
        sa.Column('notes_performance', sa.Text(), nullable=False),
        sa.Column('notes_resources', sa.Text(), nullable=False),
        sa.Column('notes_risks', sa.Text(), nullable=False),
        sa.Column('notes_improvement', sa.Text(), nullable=False),
        sa.Column('conclusions', sa.Text(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=True),
        sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('held_by_id', sa.Integer(), nullable=True),
        sa.Column('reopen_reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'held')", name=op.f('ck_management_review_status')),
        sa.CheckConstraint('period_end >= period_start', name=op.f('ck_management_review_period_order')),
        sa.CheckConstraint(
            "status <> 'held' OR snapshot IS NOT NULL", name=op.f('ck_management_review_held_with_snapshot')
        ),
        sa.CheckConstraint("chair <> ''", name=op.f('ck_management_review_chair_required')),
        sa.ForeignKeyConstraint(
            ['held_by_id'], ['user_account.id'], name=op.f('fk_management_review_held_by_id_user_account'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['unit.id'], name=op.f('fk_management_review_unit_id_unit'), ondelete='RESTRICT'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_management_review')),
    )
    op.create_index(op.f('ix_management_review_unit_id'), 'management_review', ['unit_id'], unique=False)
    op.create_index(op.f('ix_management_review_held_on'), 'management_review', ['held_on'], unique=False)
    op.create_table(
        'review_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('owner_unit_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('done_note', sa.Text(), nullable=False),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('improvement', 'system_change', 'resources')", name=op.f('ck_review_decision_kind')
        ),
        sa.CheckConstraint("what <> ''", name=op.f('ck_review_decision_what_required')),
        sa.CheckConstraint(
            "done_on IS NULL OR done_note <> ''", name=op.f('ck_review_decision_done_with_note')
        ),
        sa.ForeignKeyConstraint(
            ['review_id'], ['management_review.id'], name=op.f('fk_review_decision_review_id_management_review'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['owner_unit_id'], ['unit.id'], name=op.f('fk_review_decision_owner_unit_id_unit'), ondelete='RESTRICT'
        ),
        sa.ForeignKeyConstraint(
            ['owner_id'], ['user_account.id'], name=op.f('fk_review_decision_owner_id_user_account'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['done_by_id'], ['user_account.id'], name=op.f('fk_review_decision_done_by_id_user_account'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decision')),
    )
    op.create_index(op.f('ix_review_decision_review_id'), 'review_decision', ['review_id'], unique=False)
    op.create_index(op.f('ix_review_decision_owner_unit_id'), 'review_decision', ['owner_unit_id'], unique=False)
    op.create_index(op.f('ix_review_decision_owner_id'), 'review_decision', ['owner_id'], unique=False)
    op.create_index(op.f('ix_review_decision_due_on'), 'review_decision', ['due_on'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_review_decision_due_on'), table_name='review_decision')
    op.drop_index(op.f('ix_review_decision_owner_id'), table_name='review_decision')
    op.drop_index(op.f('ix_review_decision_owner_unit_id'), table_name='review_decision')
    op.drop_index(op.f('ix_review_decision_review_id'), table_name='review_decision')
    op.drop_table('review_decision')
    op.drop_index(op.f('ix_management_review_held_on'), table_name='management_review')
    op.drop_index(op.f('ix_management_review_unit_id'), table_name='management_review')
    op.drop_table('management_review')
