"""Trigram indexes for finding a person

On PostgreSQL, GIN trigram indexes (the pg_trgm extension) on a booking's name, email and
organisation, so the staff search for any part of them uses an index instead of reading every
booking. SQLite has none: it reads the table, which is quick at its size. If pg_trgm cannot be
installed (it needs the database owner), the search still works, more slowly, and a warning says so.

Revision ID: e4a1c2b3d5f6
Revises: c855440e2f15
Create Date: 2026-12-01 14:50:00

"""
import logging

from alembic import op
import sqlalchemy as sa


revision = 'e4a1c2b3d5f6'
down_revision = 'c855440e2f15'
branch_labels = None
depends_on = None

COLUMNS = ("full_name", "email_key", "organisation")
logger = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        logger.warning("pg_trgm could not be installed: finding a person will read every booking")
        return
    for column in COLUMNS:
        op.create_index(
            f"ix_booking_{column}_trigrams",
            "booking",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_booking_{column}_trigrams")
