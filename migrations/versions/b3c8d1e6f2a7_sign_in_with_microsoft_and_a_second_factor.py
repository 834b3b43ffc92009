"""Sign in with Microsoft, and a second factor

A staff account may sign in through the council's Microsoft account: it is found by its tenant and object
ids (tid + oid), unique together. Its email address is for people to read, so only accounts with a password
here need one no other such account has. Accounts with a password may have a second factor: the secret of an
authenticator app and the last step used, and an admin may require one.

Revision ID: b3c8d1e6f2a7
Revises: 7e6eb63cb8ab
Create Date: 2026-12-03 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c8d1e6f2a7'
down_revision = '7e6eb63cb8ab'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tenant_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('object_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('second_factor_required', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint('uq_staff_user_email', type_='unique')
        batch_op.create_unique_constraint('uq_staff_user_tenant_object', ['tenant_id', 'object_id'])
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('second_factor_required', server_default=None)
        batch_op.create_index(
            'uq_staff_user_local_email',
            ['email'],
            unique=True,
            sqlite_where=sa.text('object_id IS NULL'),
            postgresql_where=sa.text('object_id IS NULL'),
        )


def downgrade():
    # Accounts that sign in with Microsoft have no password here: without those columns they cannot sign in.
    op.execute("DELETE FROM staff_user WHERE object_id IS NOT NULL")
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_index('uq_staff_user_local_email')
        batch_op.drop_constraint('uq_staff_user_tenant_object', type_='unique')
        batch_op.create_unique_constraint('uq_staff_user_email', ['email'])
        batch_op.drop_column('second_factor_required')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('object_id')
        batch_op.drop_column('tenant_id')
