"""Finding a person without accents or case, and filtering the audit log

Staff typing "Sian" must find "Siân", and "zoe" "Zoë", on SQLite and PostgreSQL. Neither database folds
accents in a query that an index can serve, so a booking and an "I watched this" record now keep their name,
email, organisation (and a booking its reference) folded in a column of their own, search_text: lower
case, accents removed (Unicode NFKD), the parts one per line. The app writes it whenever the record is
saved; here it is filled for the rows there are, with the rule as it was written. On PostgreSQL one
trigram index on it replaces the three on the name, email and organisation, which nothing reads now.

An "I watched this" record also keeps its email key (as a booking does), so a person's training record
finds their briefings by it.

The audit log is filtered by action, by who did it and by the person its entries are about: an index for
each, with the id, so the newest entries of one kind come straight from it.

Revision ID: d8e2f4a6b1c9
Revises: f3a8d2c6b4e1
Create Date: 2026-12-04 10:00:00

"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = 'd8e2f4a6b1c9'
down_revision = 'f3a8d2c6b4e1'
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")
OLD_TRIGRAMS = ("full_name", "email_key", "organisation")
LETTERS = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th",
                         "’": "'", "‘": "'", "ʼ": "'"})
AUDIT_INDEXES = {
    "ix_audit_event_action_id": ["action", "id"],
    "ix_audit_event_actor_id": ["actor", "id"],
    "ix_audit_event_staff_user_id_id": ["staff_user_id", "id"],
    "ix_audit_event_subject": ["subject_type", "subject_id"],
}


def folded(text):
    """The rule of app.models.folding.folded, as it was when this migration was written."""
    decomposed = unicodedata.normalize("NFKD", " ".join((text or "").split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(LETTERS)


def key_of(address):
    """The rule of app.core.addresses.email_key, as it was when this migration was written."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0] or local}@{domain}"


def fill(table, columns, values_of):
    """Write each row's new columns, a thousand rows at a time."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table} ORDER BY id")).all()
    updates = [{"id": row.id, **values_of(row)} for row in rows]
    if not updates:
        return
    assignments = ", ".join(f"{name} = :{name}" for name in updates[0] if name != "id")
    statement = sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id")
    for start in range(0, len(updates), 1000):
        bind.execute(statement, updates[start:start + 1000])


def has_trigrams(bind):
    return bind.scalar(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")) > 0


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('watched_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_key', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
        batch_op.create_index('ix_watched_record_email_key', ['email_key'], unique=False)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        for name, columns in AUDIT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)

    fill(
        "booking",
        ["full_name", "email_key", "organisation", "reference", "anonymised_at"],
        lambda row: {"search_text": "" if row.anonymised_at is not None else "\n".join(
            folded(part) for part in (row.full_name, row.email_key, row.organisation, row.reference))},
    )
    fill(
        "watched_record",
        ["full_name", "email", "organisation"],
        lambda row: {
            "email_key": key_of(row.email),
            "search_text": "" if row.full_name == "Removed" else "\n".join(
                folded(part) for part in (row.full_name, row.email, row.organisation)),
        },
    )

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for column in OLD_TRIGRAMS:
            op.execute(f"DROP INDEX IF EXISTS ix_booking_{column}_trigrams")
        if has_trigrams(bind):
            op.create_index(
                "ix_booking_search_text_trigrams",
                "booking",
                ["search_text"],
                postgresql_using="gin",
                postgresql_ops={"search_text": "gin_trgm_ops"},
            )
        else:
            logger.warning("pg_trgm is not installed: finding a person will read every booking")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_booking_search_text_trigrams")
        if has_trigrams(bind):
            for column in OLD_TRIGRAMS:
                op.create_index(
                    f"ix_booking_{column}_trigrams",
                    "booking",
                    [column],
                    postgresql_using="gin",
                    postgresql_ops={column: "gin_trgm_ops"},
                )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        for name in reversed(AUDIT_INDEXES):
            batch_op.drop_index(name)
    with op.batch_alter_table('watched_record', schema=None) as batch_op:
        batch_op.drop_index('ix_watched_record_email_key')
        batch_op.drop_column('search_text')
        batch_op.drop_column('email_key')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('search_text')
