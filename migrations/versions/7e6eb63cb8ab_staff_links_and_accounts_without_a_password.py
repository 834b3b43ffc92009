"""Staff links, and accounts without a password

staff_link holds the single-use, short-lived links emailed to staff: to set a password when an admin
invites them, or a new one when they forgot theirs. A staff account may have no password: someone invited
who has not set one yet, or (later) someone who signs in only through the council's Microsoft account.

Revision ID: 7e6eb63cb8ab
Revises: ae1dfc0ca115
Create Date: 2026-12-03 14:33:00.143075

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e6eb63cb8ab'
down_revision = 'ae1dfc0ca115'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('invite', 'reset', name='staff_link_purpose', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], name=op.f('fk_staff_link_staff_user_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_link')),
    sa.UniqueConstraint('token', name=op.f('uq_staff_link_token'))
    )
    with op.batch_alter_table('staff_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_link_staff_user_id'), ['staff_user_id'], unique=False)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('password_hash',
               existing_type=sa.VARCHAR(length=200),
               nullable=True)



def downgrade():
    op.execute("UPDATE staff_user SET password_hash = '!' WHERE password_hash IS NULL")  # no password matches it
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('password_hash',
               existing_type=sa.VARCHAR(length=200),
               nullable=False)

    with op.batch_alter_table('staff_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_link_staff_user_id'))

    op.drop_table('staff_link')
