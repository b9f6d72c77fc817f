"""audit conclusion, report submission and approval

Revision ID: a9reportsign
Revises: a9answers
Create Date: 2026-11-29 10:03:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9reportsign'
down_revision = 'a9answers'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('planned', 'in_progress', 'reported', 'closed', 'cancelled')"
NEW_STATUSES = "status IN ('planned', 'in_progress', 'report_submitted', 'reported', 'closed', 'cancelled')"


def upgrade():
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conformity', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('effective', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('strengths', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recommendations', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('report_submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('report_submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('report_return_comment', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('report_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('report_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('report_approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('report_approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_audit_report_submitted_by_id_user_account'), 'user_account',
            ['report_submitted_by_id'], ['id'], ondelete='SET NULL',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_audit_report_approved_by_id_user_account'), 'user_account',
            ['report_approved_by_id'], ['id'], ondelete='SET NULL',
        )
        batch_op.drop_constraint(batch_op.f('ck_audit_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_audit_status'), NEW_STATUSES)
        batch_op.create_check_constraint(
            batch_op.f('ck_audit_conformity'),
            "conformity IS NULL OR conformity IN ('conforms', 'conforms_with_ncs', 'does_not_conform')",
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_audit_submitted_has_time'),
            "status <> 'report_submitted' OR report_submitted_at IS NOT NULL",
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_audit_report_number_dated'),
            "report_number IS NULL OR (report_date IS NOT NULL AND report_approved_at IS NOT NULL)",
        )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.alter_column('strengths', server_default=None)
        batch_op.alter_column('recommendations', server_default=None)
        batch_op.alter_column('report_return_comment', server_default=None)


def downgrade():
    # a submitted report goes back to the running audit: the old schema has no such state
    op.execute("UPDATE audit SET status = 'in_progress' WHERE status = 'report_submitted'")
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_report_number_dated'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_audit_submitted_has_time'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_audit_conformity'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_audit_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_audit_status'), OLD_STATUSES)
        batch_op.drop_constraint(batch_op.f('fk_audit_report_approved_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_audit_report_submitted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('report_approved_by_id')
        batch_op.drop_column('report_approved_at')
        batch_op.drop_column('report_date')
        batch_op.drop_column('report_number')
        batch_op.drop_column('report_return_comment')
        batch_op.drop_column('report_submitted_by_id')
        batch_op.drop_column('report_submitted_at')
        batch_op.drop_column('recommendations')
        batch_op.drop_column('strengths')
        batch_op.drop_column('effective')
        batch_op.drop_column('conformity')
