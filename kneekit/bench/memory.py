"""Memory: the resident size of a kernel showing a client's page, against a bare kernel that has
only imported ipywidgets and matplotlib.

Issue #6's target: the client-page kernel at most 1.25 times the bare one. Every page load starts
such a kernel (issue #5), so this is what a clinic pays per client with the page open.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from kneekit.bench.kernel import Kernel, median

RATIO_TARGET = 1.25
"""Issue #6: a client-page kernel at most 1.25 times a bare kernel with the same libraries."""

BARE = "import ipywidgets\nimport matplotlib.pyplot"
"""The baseline kernel: the two libraries the page is built with, imported as a notebook would."""

IMPORTS = BARE + "\nimport kneekit.widgets\nimport kneekit.progress.figures"
"""Everything the client page imports, and no page: tells imports from the page's own weight."""

PAGE = """\
from IPython.display import display
from kneekit.records.store import Store
from kneekit.widgets import client_page
display(client_page(Store.open({db!r}), query={query!r}))
"""
"""The client notebook's cell, given the share link's query instead of reading it from Voilà."""


def demo_clinic(folder: Path) -> tuple[Path, str]:
    """A demo clinic in ``folder``, and the query string of a share link to its first client."""
    from kneekit.config import today
    from kneekit.demo.clinic import make_demo
    from kneekit.records.store import Store
    from kneekit.sharing import SHARE_PARAM

    db = folder / "clinic.sqlite3"
    with Store.open(db) as store:
        make_demo(store, today())  # the clinic's today
        client = store.clients()[0]
        token = store.shares.create(client.id, datetime.now(UTC), timedelta(days=1))
    return db, f"{SHARE_PARAM}={token}"


def kernel_rss_mb(folder: Path, code: str) -> float:
    """Resident memory (MiB) of a fresh kernel after it has run ``code``."""
    with Kernel(folder) as kernel:
        if code:
            kernel.run(code, timeout=120)
        return float(psutil.Process(kernel.pid).memory_info().rss) / 2**20


def measure(rounds: int = 3) -> dict[str, Any]:
    """Medians over ``rounds``, in MiB, of a kernel that is empty, bare, has imported what the
    page imports, and shows a client's page."""
    sizes: dict[str, list[float]] = {"empty": [], "bare": [], "imports": [], "client": []}
    with tempfile.TemporaryDirectory(prefix="kneekit-bench-memory-") as tmp:
        folder = Path(tmp)
        db, query = demo_clinic(folder)
        page = PAGE.format(db=str(db), query=query)
        for i in range(rounds):
            for name, code in (
                ("empty", ""),
                ("bare", BARE),
                ("imports", IMPORTS),
                ("client", page),
            ):
                sizes[name].append(kernel_rss_mb(folder / f"{name}{i}", code))
    client, bare = median(sizes["client"]), median(sizes["bare"])
    return {
        "client_rss_mb": round(client, 1),
        "bare_rss_mb": round(bare, 1),
        "imports_rss_mb": round(median(sizes["imports"]), 1),
        "empty_rss_mb": round(median(sizes["empty"]), 1),
        "ratio": round(client / bare, 2),
        "met": client / bare <= RATIO_TARGET,
    }
