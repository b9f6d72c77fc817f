"""management reviews: inputs frozen when held, decisions that are tracked actions

Revision ID: a8review01
Revises: a7remap01
Create Date: 2026-11-29 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8review01'
down_revision = 'a7remap01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
