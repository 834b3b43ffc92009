"""A venue's facilities can be yes with a note

Step-free access, a hearing loop and accessible toilets were yes or no. Each may now carry a note a visitor
needs ("by the side door, ring the bell"; "a portable loop, ask at reception"). A venue saved before keeps
its yes and no, with no note.

Revision ID: c7d4e9a1b2f3
Revises: b3c8d1e6f2a7
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d4e9a1b2f3'
down_revision = 'b3c8d1e6f2a7'
branch_labels = None
depends_on = None

NOTES = ('step_free_access_note', 'hearing_loop_note', 'accessible_toilets_note')


def upgrade():
    with op.batch_alter_table('venue', schema=None) as batch_op:
        for name in NOTES:
            batch_op.add_column(sa.Column(name, sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('venue', schema=None) as batch_op:
        for name in reversed(NOTES):
            batch_op.drop_column(name)
