"""One key for an email address

A booking's and an interest's email_key now drop a +tag, as the limits on emails to one address always
did: name+anything@ reaches the same mailbox as name@, so it is the same person. Keys are recomputed
here. Where the new key would make two active bookings on one date (or two requests about one course)
the same person, the later row keeps its old key, so nothing is lost and no constraint is broken.

Revision ID: 5e2b7c9a4d18
Revises: 13165d5efa86
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e2b7c9a4d18'
down_revision = '13165d5efa86'
branch_labels = None
depends_on = None


def key_of(address: str) -> str:
    """The rule of app.core.addresses.email_key, as it was when this migration was written."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0] or local}@{domain}"


def rekey(table: str, scope: str, active: str) -> None:
    """Give each row of `table` its new key unless another row of the same `scope` (active ones only) has it."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, email, email_key, {scope} AS scope, {active} AS active FROM {table} ORDER BY id")).all()
    taken = {(row.scope, row.email_key) for row in rows if row.active}
    for row in rows:
        new = key_of(row.email)
        if new == row.email_key or row.email_key.endswith("@removed.invalid"):
            continue
        if row.active and (row.scope, new) in taken:
            continue  # the same person already holds this key here: keep the old one
        bind.execute(sa.text(f"UPDATE {table} SET email_key = :key WHERE id = :id"), {"key": new, "id": row.id})
        if row.active:
            taken.discard((row.scope, row.email_key))
            taken.add((row.scope, new))


def upgrade():
    rekey("booking", "course_date_id", "status != 'cancelled'")
    rekey("interest", "course_id", "1 = 1")


def downgrade():
    pass  # the old keys are not kept; a +tag simply stops counting as the same person again
