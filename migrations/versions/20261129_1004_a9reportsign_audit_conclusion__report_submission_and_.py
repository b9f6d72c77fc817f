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


def upgrade():
    pass


def downgrade():
    pass
