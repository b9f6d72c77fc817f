"""decisions that remap a stored 2008 clause reference to 2015

Revision ID: q7remap01
Revises: q7transition01
Create Date: 2026-11-29 13:02:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q7remap01'
down_revision = 'q7transition01'
branch_labels = None
depends_on = ('q3legalrefs01',)  # procedures' and documents' clause links


LINK_TABLES = ("process_clause", "document_clause")


def upgrade():
    op.create_table(
        'clause_remap',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('clause_2008_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('procedure', 'document', 'audit_scope', 'checklist_item', 'finding')",
            name=op.f('ck_clause_remap_kind'),
        ),
        sa.CheckConstraint("mode IN ('replace', 'annotate')", name=op.f('ck_clause_remap_mode')),
        sa.CheckConstraint(
            '(undone_at IS NULL) = (undone_by_id IS NULL)', name=op.f('ck_clause_remap_undone_with_whom')
        ),
        sa.ForeignKeyConstraint(
            ['clause_2008_id'], ['clause.id'], name=op.f('fk_clause_remap_clause_2008_id_clause'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['decided_by_id'], ['user_account.id'], name=op.f('fk_clause_remap_decided_by_id_user_account'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['undone_by_id'], ['user_account.id'], name=op.f('fk_clause_remap_undone_by_id_user_account'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['unit.id'], name=op.f('fk_clause_remap_unit_id_unit'), ondelete='RESTRICT'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clause_remap')),
    )
    op.create_index(op.f('ix_clause_remap_unit_id'), 'clause_remap', ['unit_id'], unique=False)
    op.create_index(
        'uq_clause_remap_active_reference', 'clause_remap', ['kind', 'record_id', 'clause_2008_id'],
        unique=True, sqlite_where=sa.text('undone_at IS NULL'), postgresql_where=sa.text('undone_at IS NULL'),
    )
    op.create_table(
        'clause_remap_target',
        sa.Column('remap_id', sa.Integer(), nullable=False),
        sa.Column('clause_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['clause_id'], ['clause.id'], name=op.f('fk_clause_remap_target_clause_id_clause'), ondelete='RESTRICT'
        ),
        sa.ForeignKeyConstraint(
            ['remap_id'], ['clause_remap.id'], name=op.f('fk_clause_remap_target_remap_id_clause_remap'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('remap_id', 'clause_id', name=op.f('pk_clause_remap_target')),
    )
    for table in LINK_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('remapped_from_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_remapped_from_id_clause'), 'clause', ['remapped_from_id'], ['id'],
                ondelete='RESTRICT',
            )


def downgrade():
    for table in LINK_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_remapped_from_id_clause'), type_='foreignkey')
            batch_op.drop_column('remapped_from_id')
    op.drop_table('clause_remap_target')
    op.drop_index('uq_clause_remap_active_reference', table_name='clause_remap')
    op.drop_index(op.f('ix_clause_remap_unit_id'), table_name='clause_remap')
    op.drop_table('clause_remap')
