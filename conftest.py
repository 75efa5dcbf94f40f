"""Suite-wide set-up.

- Notebooks (collected by nbval) run against a fresh demo clinic in a temporary folder, with
  Jupyter's and matplotlib's folders there too, so a test run leaves nothing behind.
- In CI (CI=true) a skipped test is a failure, so nothing passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

_SCRATCH: list[Path] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.path.suffix == ".ipynb" for item in items):
        return
    from kneekit.demo.clinic import make_demo
    from kneekit.records.store import Store

    scratch = Path(tempfile.mkdtemp(prefix="kneekit-notebooks-"))
    _SCRATCH.append(scratch)
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        os.environ[name] = str(scratch / name.lower())
    os.environ["KNEEKIT_DB"] = str(scratch / "demo.sqlite3")
    with Store.open(os.environ["KNEEKIT_DB"]) as store:
        make_demo(store, datetime.now(UTC).date())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for scratch in _SCRATCH:
        shutil.rmtree(scratch, ignore_errors=True)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; in CI every test must run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
