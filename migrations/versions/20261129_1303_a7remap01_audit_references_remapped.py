"""audit scope, checklist items and findings remapped to 2015

Revision ID: a7remap01
Revises: a9reportsign
Create Date: 2026-11-29 13:03:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7remap01'
down_revision = 'a9reportsign'
branch_labels = None
depends_on = None


TABLES = ("audit_clause", "checklist_item", "finding")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('remapped_from_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_remapped_from_id_clause'), 'clause', ['remapped_from_id'], ['id'],
                ondelete='RESTRICT',
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_remapped_from_id_clause'), type_='foreignkey')
            batch_op.drop_column('remapped_from_id')
