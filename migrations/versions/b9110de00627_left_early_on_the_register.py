"""Left early on the register

The register records attended, left early or absent for each person on each day, in place of
attended yes or no. Marks already taken are kept: yes becomes attended, no becomes absent.

Revision ID: b9110de00627
Revises: 7f9696dc9e39
Create Date: 2026-12-01 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9110de00627'
down_revision = '7f9696dc9e39'
branch_labels = None
depends_on = None

MARK = sa.Enum('attended', 'left_early', 'absent', name='attendance_mark', native_enum=False, create_constraint=True, length=30)


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mark', MARK, nullable=False, server_default='absent'))
    op.execute("UPDATE attendance SET mark = CASE WHEN attended THEN 'attended' ELSE 'absent' END")
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.alter_column('mark', server_default=None)
        batch_op.drop_column('attended')


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attended', sa.BOOLEAN(), nullable=False, server_default=sa.false()))
    # Left early counts as attended: they were there for part of the day.
    op.execute("UPDATE attendance SET attended = (mark != 'absent')")
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.alter_column('attended', server_default=None)
        batch_op.drop_constraint(op.f('ck_attendance_attendance_mark'), type_='check')
        batch_op.drop_column('mark')
