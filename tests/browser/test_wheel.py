"""``kneekit serve`` from an installed wheel, not only from a clone (issue #5): the notebooks and
the Voilà template ship as package data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]


def test_a_wheel_carries_the_dashboards_and_serves_them(tmp_path, page, start_serve):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "dist", ROOT],
        check=True,
        cwd=tmp_path,  # the build's scratch folders land here, not in the clone
    )
    (wheel,) = (tmp_path / "dist").glob("kneekit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("client.ipynb", "clinic.ipynb", "trends.ipynb", "session.ipynb"):
        assert f"kneekit/notebooks/{shipped}" in names
    assert "kneekit/voila/jupyter/voila/templates/kneekit/index.html.j2" in names
    assert "kneekit/data/stretches.yaml" in names
    for shipped in ("env.py", "script.py.mako", "versions/v1_first_schema.py",
                    "versions/v2_local_days.py"):  # fmt: skip
        assert f"kneekit/records/migrations/{shipped}" in names
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, wheel],
        check=True,
    )
    where = subprocess.run(
        [sys.executable, "-c", "import kneekit; print(kneekit.__file__)"],
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(site))  # the wheel's kneekit, not the clone's
    old = tmp_path / "clinic-v1.sqlite3"  # the wheel's Alembic revisions upgrade a v1 clinic
    shutil.copyfile(ROOT / "tests" / "fixtures" / "clinic-v1.sqlite3", old)
    upgraded = subprocess.run(
        [sys.executable, "-m", "kneekit.cli", "--db", str(old), "db", "upgrade"],
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "from schema version 1 to version 2" in upgraded.stdout
    server = start_serve(max_kernels=2, env_extra={"PYTHONPATH": str(site)})
    someone = server.people()[0]
    page.goto(server.link(someone))
    expect(page.locator(".kneekit-client-name")).to_contain_text(someone.name)
    page.goto(server.clinic)
    expect(page.locator(".kneekit-clinic table")).to_contain_text(someone.name)
