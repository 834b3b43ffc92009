"""The reports page and its CSV downloads."""

from datetime import UTC, datetime

from flask import abort, render_template, request

from app.core.exports import csv_text
from app.extensions import db
from app.models import LONDON, Role
from app.reports import report as reports
from app.staff.guard import roles
from app.web.admin.blueprint import bp
from app.web.admin.forms import ReportPeriodForm
from app.web.downloads import download
from app.web.fields import choices_from

FIRST_YEAR = 2020


def period_from_request() -> tuple[ReportPeriodForm, reports.Period | None]:
    """The period asked for: a financial year, or the two dates given; this financial year when neither."""
    today = datetime.now(UTC).astimezone(LONDON).date()
    this_year = reports.financial_year_of(today).start.year
    form = ReportPeriodForm(request.args)
    years = range(this_year, FIRST_YEAR - 1, -1)
    form.year.choices = choices_from({year: reports.financial_year(year).label for year in years})
    if not request.args:
        form.year.data = str(this_year)
        return form, reports.financial_year(this_year)
    if not form.validate():
        return form, None
    if form.start.data or form.end.data:
        if not (form.start.data and form.end.data):
            (form.start if not form.start.data else form.end).errors.append("Enter both dates, or neither")
            return form, None
        if form.end.data < form.start.data:
            form.end.errors.append("The end date must be on or after the start date")
            return form, None
        return form, reports.Period(form.start.data, form.end.data)
    year = int(form.year.data) if form.year.data else this_year
    return form, reports.financial_year(year)


@bp.get("/reports")
@roles(Role.ADMIN)
def report():
    """The numbers for a period, with charts and tables, for the team and the partnership board."""
    form, period = period_from_request()
    found = reports.build_report(db.session, period) if period else None
    return render_template("admin/reports.html", form=form, report=found), 200 if period else 400


@bp.get("/reports/<name>.csv")
@roles(Role.ADMIN)
def report_csv(name: str):
    """One of the report's tables as a spreadsheet."""
    form, period = period_from_request()
    if period is None:
        abort(400)
    table = reports.build_report(db.session, period).csv_table(name)
    if table is None:
        abort(404)
    filename = f"report-{name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    rows = table.csv_rows if table.csv_rows is not None else table.rows
    return download(csv_text(table.header, rows), "text/csv", filename, private=True)
