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
    "module, wrong_import, broken",
    [
        ("mail/outbox.py", "import app.booking.service", "app.mail.outbox -> app.booking.service"),
        ("courses/places.py", "import app.booking.messages", "app.courses.places -> app.booking.messages"),
        ("core/audit.py", "import app.mail.registry", "app.core.audit -> app.mail.registry"),
        ("briefings/service.py", "import app.admin.export", "app.briefings.service -> app.admin.export"),
        ("admin/dates.py", "import app.admin.bookings", "app.admin.dates -> app.admin.bookings"),
    ],
)
def test_a_wrong_way_import_breaks_the_contract(copy_of_the_project, module, wrong_import, broken):
    path = copy_of_the_project / "app" / module
    path.write_text(path.read_text() + f"\n{wrong_import}  # the wrong way\n")
    result = lint_imports(copy_of_the_project)
    assert result.returncode == 1, result.stdout
    assert broken in result.stdout
    assert "BROKEN" in result.stdout
