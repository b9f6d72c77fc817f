"""the correspondence's status and relation; 2008 requirements 2015 no longer makes

Revision ID: q7corresp01
Revises: q10issuing01
Create Date: 2026-11-29 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q7corresp01'
down_revision = 'q10issuing01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
