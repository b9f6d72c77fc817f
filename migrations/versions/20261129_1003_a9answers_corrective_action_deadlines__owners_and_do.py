"""corrective action deadlines, owners and done evidence

Revision ID: a9answers
Revises: a9findings
Create Date: 2026-11-29 10:03:00

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9answers'
down_revision = 'a9findings'
branch_labels = None
depends_on = None


NC_PLAN_DAYS = 15  # the default of QMS_NC_PLAN_DAYS when the deadlines were introduced


def upgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('review_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('verify_due_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_finding_plan_due_on'), ['plan_due_on'], unique=False)

    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_note', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.alter_column('done_note', server_default=None)

    op.create_table('action_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action_item.id'], name=op.f('fk_action_evidence_action_id_action_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_action_evidence_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_evidence'))
    )
    with op.batch_alter_table('action_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_evidence_action_id'), ['action_id'], unique=False)

    # Existing nonconformities: the plan was due 15 days after the finding was raised.
    finding = sa.table(
        'finding',
        sa.column('id', sa.Integer()),
        sa.column('kind', sa.String()),
        sa.column('raised_on', sa.Date()),
        sa.column('plan_due_on', sa.Date()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(finding.c.id, finding.c.raised_on).where(finding.c.kind.in_(['major', 'minor']))
    ).all()
    for finding_id, raised_on in rows:
        connection.execute(
            finding.update()
            .where(finding.c.id == finding_id)
            .values(plan_due_on=raised_on + timedelta(days=NC_PLAN_DAYS))
        )


def downgrade():
    with op.batch_alter_table('action_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_evidence_action_id'))
    op.drop_table('action_evidence')

    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_column('done_note')

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_plan_due_on'))
        batch_op.drop_column('verify_due_on')
        batch_op.drop_column('review_due_on')
        batch_op.drop_column('plan_due_on')
