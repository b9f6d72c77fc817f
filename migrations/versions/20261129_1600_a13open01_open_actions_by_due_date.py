"""open corrective actions by due date: a partial index for the overdue counts and lists

Revision ID: a13open01
Revises: a13late01
Create Date: 2026-11-29 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a13open01'
down_revision = 'a13late01'
branch_labels = None
depends_on = None

OPEN = sa.text("done_on IS NULL")


def upgrade():
    op.create_index(
        'ix_action_item_open_due_on',
        'action_item',
        ['due_on'],
        unique=False,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade():
    op.drop_index('ix_action_item_open_due_on', table_name='action_item')
