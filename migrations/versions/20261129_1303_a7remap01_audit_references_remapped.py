"""audit scope, checklist items and findings remapped to 2015

Revision ID: a7remap01
Revises: a9reportsign
Create Date: 2026-11-29 13:03:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7remap01'
down_revision = 'a9reportsign'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
