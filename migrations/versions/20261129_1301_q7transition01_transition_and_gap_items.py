"""the transition to ISO 9001:2015 and its gap items per unit

Revision ID: q7transition01
Revises: q7corresp01
Create Date: 2026-11-29 13:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q7transition01'
down_revision = 'q7corresp01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
