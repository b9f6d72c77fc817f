"""personal API tokens

Revision ID: q12tokens01
Revises: q12sessions01
Create Date: 2026-11-29 14:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q12tokens01'
down_revision = 'q12sessions01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
