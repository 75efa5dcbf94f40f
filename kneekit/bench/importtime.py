"""Import time: ``import kneekit`` in a fresh interpreter against ``import ipywidgets``.

Issue #6's target: ``import kneekit`` at most 1.2 times ``import ipywidgets`` (heavy libraries are
imported only when used). ``kneekit.widgets``, everything a page imports, is timed as well.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from kneekit.bench.kernel import BenchError, median, private_env

RATIO_TARGET = 1.2
"""Issue #6: ``import kneekit`` at most 1.2 times ``import ipywidgets``."""

MODULES = ("kneekit", "ipywidgets", "kneekit.widgets")

_TIMED = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def import_s(module: str, env: dict[str, str]) -> float:
    """Seconds to import ``module`` in a fresh interpreter, not counting its own start."""
    done = subprocess.run(
        [sys.executable, "-c", _TIMED.format(module)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"import {module} failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip())


def measure(repeat: int = 7) -> dict[str, Any]:
    """Median import times over ``repeat`` rounds, the modules taking turns in each round."""
    times: dict[str, list[float]] = {m: [] for m in MODULES}
    with tempfile.TemporaryDirectory(prefix="kneekit-bench-import-") as tmp:
        env = private_env(Path(tmp))
        for _ in range(repeat):
            for module in MODULES:
                times[module].append(import_s(module, env))
    kneekit, widgets, base = (
        median(times[m]) for m in ("kneekit", "kneekit.widgets", "ipywidgets")
    )
    return {
        "kneekit_s": round(kneekit, 4),
        "ipywidgets_s": round(base, 4),
        "ratio": round(kneekit / base, 3),
        "widgets_s": round(widgets, 4),
        "widgets_ratio": round(widgets / base, 2),
        "met": kneekit / base <= RATIO_TARGET,
    }
