"""the correspondence's status and relation, its notes and alternatives in Vietnamese; 2008
requirements 2015 no longer makes

Revision ID: q7corresp01
Revises: q10issuing01
Create Date: 2026-11-29 13:00:00

Existing databases are brought to the shipped data (qms/data) by
qms.services.reference.sync_correspondence, which works on a bare Connection through lightweight
table definitions: the migration and `qms init` then read the shipped CSV the same way, and a
later change of the ORM models cannot break this migration. Rows an administrator corrected
(a history update exists for them) keep their status and their notes in both languages.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q7corresp01'
down_revision = 'q10issuing01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clause', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropped_en', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('dropped_vi', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('clause', schema=None) as batch_op:
        batch_op.alter_column('dropped_en', server_default=None)
        batch_op.alter_column('dropped_vi', server_default=None)

    with op.batch_alter_table('clause_mapping', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_clause_mapping_confidence'), type_='check')
        batch_op.alter_column('confidence', new_column_name='status', existing_type=sa.String(length=20),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('relation', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('alternatives', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('note_vi', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('alternatives_vi', sa.Text(), nullable=False, server_default=''))

    # every existing row gets a relation before the column becomes required: the shipped one where
    # the data names the pair, otherwise 'new' without a 2008 side and 'intersect' (the weakest claim)
    from qms.services.reference import sync_correspondence

    connection = op.get_bind()
    sync_correspondence(connection)
    connection.execute(sa.text(
        "UPDATE clause_mapping SET relation = CASE WHEN clause_2008_id IS NULL THEN 'new' ELSE 'intersect' END "
        "WHERE relation IS NULL"
    ))

    with op.batch_alter_table('clause_mapping', schema=None) as batch_op:
        batch_op.alter_column('relation', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('alternatives', server_default=None)
        batch_op.alter_column('note_vi', server_default=None)
        batch_op.alter_column('alternatives_vi', server_default=None)
        batch_op.create_check_constraint(
            batch_op.f('ck_clause_mapping_status'),
            "status IN ('verified', 'corroborated', 'disputed', 'unverified')",
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_clause_mapping_relation'),
            "relation IN ('equal', 'subset', 'superset', 'intersect', 'new')",
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_clause_mapping_new_has_no_2008_side'),
            "(relation = 'new') = (clause_2008_id IS NULL)",
        )


def downgrade():
    with op.batch_alter_table('clause_mapping', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_clause_mapping_new_has_no_2008_side'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_clause_mapping_relation'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_clause_mapping_status'), type_='check')
    op.execute("UPDATE clause_mapping SET status = 'unverified' WHERE status = 'disputed'")
    with op.batch_alter_table('clause_mapping', schema=None) as batch_op:
        batch_op.drop_column('alternatives_vi')
        batch_op.drop_column('note_vi')
        batch_op.drop_column('alternatives')
        batch_op.drop_column('relation')
        batch_op.alter_column('status', new_column_name='confidence', existing_type=sa.String(length=20),
                              existing_nullable=False)
        batch_op.create_check_constraint(
            batch_op.f('ck_clause_mapping_confidence'),
            "confidence IN ('verified', 'corroborated', 'unverified')",
        )
    with op.batch_alter_table('clause', schema=None) as batch_op:
        batch_op.drop_column('dropped_vi')
        batch_op.drop_column('dropped_en')
