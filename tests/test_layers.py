"""The layers' import contract (pyproject.toml, checked by lint-imports) holds, and would catch a wrong-way import."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(project / "pyproject.toml")],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy_of_the_project(tmp_path) -> Path:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_import_contract(copy_of_the_project):
    result = lint_imports(copy_of_the_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    "importer, imported",
    [
        ("app.mail.outbox", "app.enrolment.bookings"),  # mail knows no feature
        ("app.enrolment.places", "app.after_course.feedback"),  # a place's life comes before the course ends
        ("app.core.audit", "app.mail.registry"),
        ("app.staff.accounts", "app.enrolment.dates"),
        ("app.briefings.service", "app.web.admin.exports"),  # the domain never imports the web
        ("app.after_course.feedback", "app.web.public.booking"),
        ("app.web.admin.dates", "app.web.admin.bookings"),  # no view imports another
    ],
)
def test_a_wrong_way_import_breaks_the_contract(copy_of_the_project, importer, imported):
    path = copy_of_the_project.joinpath(*importer.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\nimport {imported}  # the wrong way\n")
    result = lint_imports(copy_of_the_project)
    assert result.returncode == 1, result.stdout
    assert f"{importer} -> {imported}" in result.stdout
    assert "BROKEN" in result.stdout
