"""the transition to ISO 9001:2015 and its gap items per unit

Revision ID: q7transition01
Revises: q7corresp01
Create Date: 2026-11-29 13:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q7transition01'
down_revision = 'q7corresp01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_transition_status')),
    sa.CheckConstraint('target_date >= started_on', name=op.f('ck_transition_target_after_start')),
    sa.ForeignKeyConstraint(['responsible_id'], ['user_account.id'], name=op.f('fk_transition_responsible_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transition'))
    )
    op.create_table('transition_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transition_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('clause_2015', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'not_applicable' OR notes <> ''", name=op.f('ck_transition_item_not_applicable_has_reason')),
    sa.CheckConstraint("status IN ('not_started', 'in_progress', 'done', 'not_applicable')", name=op.f('ck_transition_item_status')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_transition_item_owner_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['transition_id'], ['transition.id'], name=op.f('fk_transition_item_transition_id_transition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_transition_item_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transition_item')),
    sa.UniqueConstraint('transition_id', 'unit_id', 'key', name='uq_transition_item_unit_key')
    )
    with op.batch_alter_table('transition_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transition_item_transition_id'), ['transition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transition_item_unit_id'), ['unit_id'], unique=False)

    op.create_table('transition_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transition_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('who', sa.String(length=300), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['transition_id'], ['transition.id'], name=op.f('fk_transition_step_transition_id_transition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transition_step')),
    sa.UniqueConstraint('transition_id', 'position', name='uq_transition_step_position')
    )
    with op.batch_alter_table('transition_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transition_step_transition_id'), ['transition_id'], unique=False)

    op.create_table('transition_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transition_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_transition_unit_owner_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['transition_id'], ['transition.id'], name=op.f('fk_transition_unit_transition_id_transition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_transition_unit_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transition_unit')),
    sa.UniqueConstraint('transition_id', 'unit_id', name='uq_transition_unit_unit')
    )
    with op.batch_alter_table('transition_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transition_unit_transition_id'), ['transition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transition_unit_unit_id'), ['unit_id'], unique=False)

    op.create_table('transition_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('record_count', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('file_type', sa.String(length=10), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_transition_evidence_added_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['transition_item.id'], name=op.f('fk_transition_evidence_item_id_transition_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user_account.id'], name=op.f('fk_transition_evidence_removed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transition_evidence'))
    )
    with op.batch_alter_table('transition_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transition_evidence_item_id'), ['item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('transition_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transition_evidence_item_id'))

    op.drop_table('transition_evidence')
    with op.batch_alter_table('transition_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transition_unit_unit_id'))
        batch_op.drop_index(batch_op.f('ix_transition_unit_transition_id'))

    op.drop_table('transition_unit')
    with op.batch_alter_table('transition_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transition_step_transition_id'))

    op.drop_table('transition_step')
    with op.batch_alter_table('transition_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transition_item_unit_id'))
        batch_op.drop_index(batch_op.f('ix_transition_item_transition_id'))

    op.drop_table('transition_item')
    op.drop_table('transition')
