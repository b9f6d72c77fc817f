"""organisation settings and the register of issued documents

Revision ID: q10issuing01
Revises: 1e2b7647cdfd
Create Date: 2026-11-29 10:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q10issuing01'
down_revision = '1e2b7647cdfd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('org_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_org_setting'))
    )
    op.create_table('issued_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issuer_symbol', sa.String(length=20), nullable=False),
    sa.Column('doc_type', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signer_title', sa.String(length=200), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('source_ref', sa.String(length=60), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('seq > 0', name=op.f('ck_issued_document_seq_positive')),
    sa.CheckConstraint("doc_type IN ('BC', 'KH', 'TB', 'QĐ', 'CTr', 'BB')", name=op.f('ck_issued_document_doc_type')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_issued_document_issued_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaces_id'], ['issued_document.id'], name=op.f('fk_issued_document_replaces_id_issued_document'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_document')),
    sa.UniqueConstraint('issuer_symbol', 'doc_type', 'year', 'seq', name='uq_issued_document_issuer_type_year_seq'),
    sa.UniqueConstraint('replaces_id', name=op.f('uq_issued_document_replaces_id'))
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_document_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_source_ref'), ['source_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_document_year'))
        batch_op.drop_index(batch_op.f('ix_issued_document_source_ref'))
        batch_op.drop_index(batch_op.f('ix_issued_document_source'))
        batch_op.drop_index(batch_op.f('ix_issued_document_number'))
        batch_op.drop_index(batch_op.f('ix_issued_document_issued_on'))
    op.drop_table('issued_document')
    op.drop_table('org_setting')
