"""Bookings and requests held until the address is confirmed

A booking made on the public form holds its place until the person opens the link emailed to them
(email_checked_at), and is released at hold_until if they do not. A request to hear about new dates is
confirmed the same way. Everything already stored was made before the check existed: it counts as
confirmed when it was made, so nothing already booked is held or released.

Revision ID: 069c4f90bda1
Revises: 5e2b7c9a4d18
Create Date: 2026-12-03 13:26:08.718372

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '069c4f90bda1'
down_revision = '5e2b7c9a4d18'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_checked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('hold_until', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_booking_hold_until'), ['hold_until'], unique=False)

    with op.batch_alter_table('interest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('email_checked_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_interest_check_token'), ['check_token'])

    op.execute("UPDATE booking SET email_checked_at = created_at")
    op.execute("UPDATE interest SET email_checked_at = created_at")


def downgrade():
    with op.batch_alter_table('interest', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_interest_check_token'), type_='unique')
        batch_op.drop_column('email_checked_at')
        batch_op.drop_column('check_token')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_hold_until'))
        batch_op.drop_column('hold_until')
        batch_op.drop_column('email_checked_at')
