"""Spreadsheets (CSV) that Excel opens correctly and can never run as formulas."""

import csv
import io
from collections.abc import Iterable

# A cell starting with one of these is read by spreadsheets as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    """A whole CSV file: UTF-8 with a byte-order mark, so Excel shows names like Siân and 李明 correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
