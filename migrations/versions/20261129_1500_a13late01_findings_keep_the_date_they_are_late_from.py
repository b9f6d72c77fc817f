"""findings keep the date they are late from, indexed, for the overdue lists and counts

Revision ID: a13late01
Revises: a8review01
Create Date: 2026-11-29 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a13late01'
down_revision = 'a8review01'
branch_labels = None
depends_on = None

# The earliest due date of the finding's open actions of its current round, and the earlier of two
# dates of which either may be missing: as audits/services/deadlines.py computes it from now on.
ACTION = (
    "(SELECT min(ai.due_on) FROM action_item ai WHERE ai.finding_id = finding.id"
    " AND ai.round = finding.round AND ai.done_on IS NULL)"
)


def _earlier(column: str) -> str:
    return (
        f"CASE WHEN {ACTION} IS NULL THEN {column} WHEN {column} IS NULL OR {ACTION} < {column}"
        f" THEN {ACTION} ELSE {column} END"
    )


def upgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_since', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_finding_late_since'), ['late_since'], unique=False)
    op.execute(
        "UPDATE finding SET late_since = CASE"
        f" WHEN status IN ('open', 'plan_returned', 'reopened') THEN {_earlier('plan_due_on')}"
        f" WHEN status = 'plan_submitted' THEN {_earlier('review_due_on')}"
        f" WHEN status = 'plan_accepted' THEN {ACTION}"
        f" WHEN status = 'actions_done' THEN {_earlier('verify_due_on')}"
        " ELSE NULL END"
    )


def downgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_late_since'))
        batch_op.drop_column('late_since')
