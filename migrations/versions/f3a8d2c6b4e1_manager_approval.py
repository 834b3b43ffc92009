"""Manager approval

A course may need each person's line manager to agree before a place is theirs. The manager is asked by a
signed, single-use link; the booking keeps where that stands, when it was asked, when it is due (after a set
number of working days the place is released), the one reminder, and the answer.

Revision ID: f3a8d2c6b4e1
Revises: e5b1c9d3a7f2
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a8d2c6b4e1'
down_revision = 'e5b1c9d3a7f2'
branch_labels = None
depends_on = None

APPROVAL = ('not_needed', 'waiting', 'approved', 'declined', 'not_answered')


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_approval', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'approval', sa.Enum(*APPROVAL, name='approval', native_enum=False, create_constraint=True, length=30),
            server_default='not_needed', nullable=False,
        ))
        batch_op.add_column(sa.Column('approval_nonce', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('approval_asked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approval_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approval_reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approval_answered_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_booking_approval_due_at'), ['approval_due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_approval_due_at'))
        for name in ('approval_answered_at', 'approval_reminded_at', 'approval_due_at', 'approval_asked_at',
                     'approval_nonce'):
            batch_op.drop_column(name)
        batch_op.drop_constraint(op.f('ck_booking_approval'), type_='check')
        batch_op.drop_column('approval')
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('manager_approval')
