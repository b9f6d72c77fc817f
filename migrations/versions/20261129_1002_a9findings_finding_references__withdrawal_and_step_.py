"""finding references, withdrawal and step deadlines

Revision ID: a9findings
Revises: a9checklist
Create Date: 2026-11-29 10:02:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9findings'
down_revision = 'a9checklist'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
