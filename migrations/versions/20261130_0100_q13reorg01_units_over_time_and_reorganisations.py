"""units over time (valid from, valid until; a code is unique with its start date) and reorganisations
with their moves and the ledger of what an apply changed; history entries name what a change was part of

Downgrading needs every unit code to be used once again (the unique code comes back).

Revision ID: q13reorg01
Revises: q12jobs01
Create Date: 2026-11-30 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q13reorg01'
down_revision = 'q12jobs01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reorganisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('legal_basis', sa.String(length=300), nullable=False),
    sa.Column('legal_act_date', sa.Date(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'undone') = (undone_at IS NOT NULL)", name=op.f('ck_reorganisation_undone_when')),
    sa.CheckConstraint("legal_basis <> ''", name=op.f('ck_reorganisation_legal_basis_required')),
    sa.CheckConstraint("status = 'draft' OR applied_at IS NOT NULL", name=op.f('ck_reorganisation_applied_when')),
    sa.CheckConstraint("status IN ('draft', 'applied', 'undone')", name=op.f('ck_reorganisation_status')),
    sa.ForeignKeyConstraint(['applied_by_id'], ['user_account.id'], name=op.f('fk_reorganisation_applied_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_reorganisation_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['undone_by_id'], ['user_account.id'], name=op.f('fk_reorganisation_undone_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reorganisation'))
    )
    with op.batch_alter_table('reorganisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reorganisation_effective_on'), ['effective_on'], unique=False)

    op.create_table('reorganisation_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reorganisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('source_unit_id', sa.Integer(), nullable=True),
    sa.Column('target_unit_id', sa.Integer(), nullable=True),
    sa.Column('new_code', sa.String(length=40), nullable=True),
    sa.Column('new_name', sa.String(length=200), nullable=True),
    sa.Column('new_kind', sa.String(length=20), nullable=True),
    sa.Column('new_parent_id', sa.Integer(), nullable=True),
    sa.Column('record_kinds', sa.JSON(), nullable=False),
    sa.Column('result_unit_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(kind = 'create') = (source_unit_id IS NULL)", name=op.f('ck_reorganisation_move_source_unless_create')),
    sa.CheckConstraint("kind IN ('merge', 'split', 'rename', 'move', 'end', 'create')", name=op.f('ck_reorganisation_move_kind')),
    sa.CheckConstraint('source_unit_id IS NULL OR source_unit_id <> target_unit_id', name=op.f('ck_reorganisation_move_not_into_itself')),
    sa.CheckConstraint('target_unit_id IS NULL OR new_code IS NULL', name=op.f('ck_reorganisation_move_one_successor')),
    sa.ForeignKeyConstraint(['new_parent_id'], ['unit.id'], name=op.f('fk_reorganisation_move_new_parent_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reorganisation_id'], ['reorganisation.id'], name=op.f('fk_reorganisation_move_reorganisation_id_reorganisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_unit_id'], ['unit.id'], name=op.f('fk_reorganisation_move_result_unit_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['source_unit_id'], ['unit.id'], name=op.f('fk_reorganisation_move_source_unit_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['target_unit_id'], ['unit.id'], name=op.f('fk_reorganisation_move_target_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reorganisation_move'))
    )
    with op.batch_alter_table('reorganisation_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reorganisation_move_reorganisation_id'), ['reorganisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reorganisation_move_result_unit_id'), ['result_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reorganisation_move_source_unit_id'), ['source_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reorganisation_move_target_unit_id'), ['target_unit_id'], unique=False)

    op.create_table('reorganisation_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reorganisation_id', sa.Integer(), nullable=False),
    sa.Column('move_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('record_type', sa.String(length=60), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=60), nullable=False),
    sa.Column('from_unit_id', sa.Integer(), nullable=True),
    sa.Column('to_unit_id', sa.Integer(), nullable=True),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.CheckConstraint("action IN ('move', 'set', 'create')", name=op.f('ck_reorganisation_change_action')),
    sa.ForeignKeyConstraint(['move_id'], ['reorganisation_move.id'], name=op.f('fk_reorganisation_change_move_id_reorganisation_move'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reorganisation_id'], ['reorganisation.id'], name=op.f('fk_reorganisation_change_reorganisation_id_reorganisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reorganisation_change'))
    )
    with op.batch_alter_table('reorganisation_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reorganisation_change_reorganisation_id'), ['reorganisation_id'], unique=False)

    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sa.String(length=60), nullable=True))
        batch_op.create_index(batch_op.f('ix_history_entry_context'), ['context'], unique=False)

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_unit_code'), type_='unique')
        batch_op.create_unique_constraint('uq_unit_code_valid_from', ['code', 'valid_from'])
        batch_op.create_check_constraint(
            op.f('ck_unit_validity_in_order'), 'valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from'
        )


def downgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_validity_in_order'), type_='check')
        batch_op.drop_constraint('uq_unit_code_valid_from', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_unit_code'), ['code'])
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')

    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_history_entry_context'))
        batch_op.drop_column('context')

    with op.batch_alter_table('reorganisation_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reorganisation_change_reorganisation_id'))

    op.drop_table('reorganisation_change')
    with op.batch_alter_table('reorganisation_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reorganisation_move_target_unit_id'))
        batch_op.drop_index(batch_op.f('ix_reorganisation_move_source_unit_id'))
        batch_op.drop_index(batch_op.f('ix_reorganisation_move_result_unit_id'))
        batch_op.drop_index(batch_op.f('ix_reorganisation_move_reorganisation_id'))

    op.drop_table('reorganisation_move')
    with op.batch_alter_table('reorganisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reorganisation_effective_on'))

    op.drop_table('reorganisation')
