"""procedures cite legal texts

Revision ID: q3legalrefs01
Revises: 67028afab773
Create Date: 2026-11-25 05:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q3legalrefs01'
down_revision = '67028afab773'
branch_labels = None
depends_on = 'q2procedures01'


def upgrade():
    op.create_table('process_legal_ref',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('legal_text_id', sa.Integer(), nullable=False),
    sa.Column('cited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['legal_text_id'], ['legal_text.id'], name=op.f('fk_process_legal_ref_legal_text_id_legal_text'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_process_legal_ref_process_id_process'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_process_legal_ref_reviewed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('process_id', 'legal_text_id', name=op.f('pk_process_legal_ref'))
    )
    with op.batch_alter_table('process_legal_ref', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_legal_ref_legal_text_id'), ['legal_text_id'], unique=False)


def downgrade():
    with op.batch_alter_table('process_legal_ref', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_legal_ref_legal_text_id'))

    op.drop_table('process_legal_ref')
