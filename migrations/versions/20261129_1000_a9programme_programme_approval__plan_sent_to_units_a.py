"""programme approval, plan sent to units and acknowledged

Revision ID: a9programme
Revises: a4audits01
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9programme'
down_revision = 'a4audits01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='draft'))
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decision_number', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decision_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('return_comment', sa.Text(), nullable=False, server_default=''))

    # A programme approved before the workflow existed stays approved; every other one is a draft.
    op.execute("UPDATE audit_programme SET status = 'approved' WHERE approved_at IS NOT NULL")

    with op.batch_alter_table('audit_programme', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
        batch_op.alter_column('decision_number', server_default=None)
        batch_op.alter_column('return_comment', server_default=None)
        batch_op.create_foreign_key(batch_op.f('fk_audit_programme_submitted_by_id_user_account'), 'user_account', ['submitted_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_audit_programme_status'), "status IN ('draft', 'submitted', 'approved', 'returned')")
        batch_op.create_check_constraint(batch_op.f('ck_audit_programme_approved_has_date'), "status <> 'approved' OR approved_at IS NOT NULL")
        batch_op.create_check_constraint(batch_op.f('ck_audit_programme_returned_has_comment'), "status <> 'returned' OR return_comment <> ''")

    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('plan_sent_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('plan_digest', sa.String(length=64), nullable=False, server_default=''))

    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.alter_column('plan_digest', server_default=None)
        batch_op.create_foreign_key(batch_op.f('fk_audit_plan_sent_by_id_user_account'), 'user_account', ['plan_sent_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('audit_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_acknowledged_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('plan_acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_unit_plan_acknowledged_by_id_user_account'), 'user_account', ['plan_acknowledged_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('audit_unit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_unit_plan_acknowledged_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('plan_acknowledged_at')
        batch_op.drop_column('plan_acknowledged_by_id')

    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_plan_sent_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('plan_digest')
        batch_op.drop_column('plan_sent_by_id')
        batch_op.drop_column('plan_sent_at')

    with op.batch_alter_table('audit_programme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_programme_returned_has_comment'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_audit_programme_approved_has_date'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_audit_programme_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_audit_programme_submitted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('return_comment')
        batch_op.drop_column('decision_date')
        batch_op.drop_column('decision_number')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('submitted_by_id')
        batch_op.drop_column('status')
