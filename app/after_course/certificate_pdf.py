"""The PDF of certificates of attendance, made from an HTML template by WeasyPrint as a tagged PDF/UA
document with its title and language set."""

from datetime import date

from flask import current_app, render_template

from app.models import Certificate

PDF_VARIANT = "pdf/ua-1"


def days_of(certificate: Certificate) -> list[date]:
    return [date.fromisoformat(day) for day in certificate.days]


def certificate_pdf(certificates: list[Certificate]) -> bytes:
    """One PDF with a page for each certificate: tagged (PDF/UA), titled and in English."""
    from weasyprint import HTML  # loads Pango: only when a certificate is made

    title = (
        f"Certificate of attendance: {certificates[0].full_name}"
        if len(certificates) == 1
        else f"Certificates of attendance: {certificates[0].course_title}"
    )
    html = render_template("certificates/certificate.html", certificates=certificates, title=title, days_of=days_of)
    return HTML(string=html, base_url=current_app.root_path).write_pdf(pdf_variant=PDF_VARIANT)
