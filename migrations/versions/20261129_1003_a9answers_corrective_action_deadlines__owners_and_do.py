"""corrective action deadlines, owners and done evidence

Revision ID: a9answers
Revises: a9findings
Create Date: 2026-11-29 10:03:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9answers'
down_revision = 'a9findings'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
