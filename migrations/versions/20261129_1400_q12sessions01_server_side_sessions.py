"""server-side sessions

Revision ID: q12sessions01
Revises: q7remap01
Create Date: 2026-11-29 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q12sessions01'
down_revision = 'q7remap01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
