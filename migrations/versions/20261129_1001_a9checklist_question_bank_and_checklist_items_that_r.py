"""question bank and checklist items that raise findings

Revision ID: a9checklist
Revises: a9programme
Create Date: 2026-11-29 10:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9checklist'
down_revision = 'a9programme'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
