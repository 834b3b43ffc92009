"""Erased at the person's request

A booking whose details were removed because the person asked (UK GDPR, right to erasure) says so, so the
certificate check can tell someone that the details were removed on request rather than after a time.

Revision ID: d2f6a8c4e1b9
Revises: c7d4e9a1b2f3
Create Date: 2026-12-03 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2f6a8c4e1b9'
down_revision = 'c7d4e9a1b2f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
