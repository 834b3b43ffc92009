"""Minimum numbers

A date may say the fewest people needed for it to run. The training team is told when fewer have a place
shortly before it, and can cancel it moving everyone to another date.

Revision ID: e5b1c9d3a7f2
Revises: d2f6a8c4e1b9
Create Date: 2026-12-03 18:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b1c9d3a7f2'
down_revision = 'd2f6a8c4e1b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_date', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minimum_places', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('course_date', schema=None) as batch_op:
        batch_op.drop_column('minimum_places')
