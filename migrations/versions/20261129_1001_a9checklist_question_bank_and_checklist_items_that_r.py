"""question bank and checklist items that raise findings

Revision ID: a9checklist
Revises: a9programme
Create Date: 2026-11-29 10:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9checklist'
down_revision = 'a9programme'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_vi', sa.Text(), nullable=False),
    sa.Column('question_en', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('shipped_key', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("question_vi <> '' OR question_en <> ''", name=op.f('ck_audit_question_question_required')),
    sa.ForeignKeyConstraint(['clause_id'], ['clause.id'], name=op.f('fk_audit_question_clause_id_clause'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_question')),
    sa.UniqueConstraint('shipped_key', name=op.f('uq_audit_question_shipped_key'))
    )
    with op.batch_alter_table('audit_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_question_clause_id'), ['clause_id'], unique=False)

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checklist_item_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_finding_checklist_item_id'), ['checklist_item_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_finding_checklist_item_id_checklist_item'), 'checklist_item', ['checklist_item_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_finding_checklist_item_id_checklist_item'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_finding_checklist_item_id'))
        batch_op.drop_column('checklist_item_id')

    with op.batch_alter_table('audit_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_question_clause_id'))

    op.drop_table('audit_question')
