"""Every column of every table is sorted in app/personal_data/inventory.py: about people (exported and
erased), not personal, or the training team's own. A new column in none of them fails here, so personal data
cannot be added without saying how it is copied for the person and how it is erased."""

from app.extensions import db
from app.personal_data.inventory import ABOUT_PEOPLE, NOT_PERSONAL, ROW_GOES, STAFF, erased_values


def test_every_column_of_every_table_is_sorted_once(app):
    lists = {"ABOUT_PEOPLE": {t: set(c) for t, c in ABOUT_PEOPLE.items()}, "NOT_PERSONAL": NOT_PERSONAL, "STAFF": STAFF}
    for table in db.metadata.sorted_tables:
        places = {name: found.get(table.name, set()) for name, found in lists.items()}
        for column in table.columns:
            sorted_in = [name for name, columns in places.items() if column.name in columns]
            assert len(sorted_in) == 1, (
                f"{table.name}.{column.name} is in {sorted_in or 'no list'}: say in app/personal_data/inventory.py "
                "whether it holds anything about a person, and if so how it is erased"
            )
        for name, columns in places.items():
            assert columns <= {c.name for c in table.columns}, f"{name} names columns {table.name} does not have"
    tables = {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    for name, found in lists.items():
        assert set(found) <= tables, f"{name} names tables that do not exist: {set(found) - tables}"


def test_rows_either_stay_with_their_details_erased_or_go_whole(app):
    for table, columns in ABOUT_PEOPLE.items():
        goes = {value is ROW_GOES for value in columns.values()}
        assert len(goes) == 1, f"{table}: some columns go with the row and some are erased in place"
    for table in ("booking", "certificate", "feedback", "watched_record"):
        assert set(erased_values(db.metadata.tables[table])) == set(ABOUT_PEOPLE[table])
