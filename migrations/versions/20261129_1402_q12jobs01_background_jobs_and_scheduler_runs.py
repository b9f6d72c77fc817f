"""background jobs and scheduler runs

Revision ID: q12jobs01
Revises: q12tokens01
Create Date: 2026-11-29 14:02:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q12jobs01'
down_revision = 'q12tokens01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
