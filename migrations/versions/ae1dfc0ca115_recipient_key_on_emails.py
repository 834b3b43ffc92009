"""The recipient of each email as one person

to_key holds the recipient's address in the form the service uses to tell people apart (trimmed, lower
case, no +tag), indexed with the time, so the emails one address was sent in the last hour can be counted:
strangers can cause no more than EMAIL_LIMIT_PER_RECIPIENT of them. Emails already stored get theirs here.

Revision ID: ae1dfc0ca115
Revises: 069c4f90bda1
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'ae1dfc0ca115'
down_revision = '069c4f90bda1'
branch_labels = None
depends_on = None


def key_of(address: str) -> str:
    """The rule of app.core.addresses.email_key, as it was when this migration was written."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0] or local}@{domain}"


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('to_key', sa.String(length=254), server_default='', nullable=False))
        batch_op.create_index('ix_outbox_message_recipient', ['to_key', 'created_at'], unique=False)
    bind = op.get_bind()
    for message_id, address in bind.execute(sa.text("SELECT id, to_address FROM outbox_message")).all():
        bind.execute(sa.text("UPDATE outbox_message SET to_key = :key WHERE id = :id"), {"key": key_of(address), "id": message_id})


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_recipient')
        batch_op.drop_column('to_key')
