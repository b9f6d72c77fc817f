"""programme approval, plan sent to units and acknowledged

Revision ID: a9programme
Revises: a4audits01
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9programme'
down_revision = 'a4audits01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
