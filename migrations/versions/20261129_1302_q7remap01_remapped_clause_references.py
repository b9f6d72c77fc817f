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
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
