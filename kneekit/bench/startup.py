"""Client page start-up: from opening a share link to a player a client can press Start on, in
headless Chromium, for the client page and for a bare one-cell notebook, kernels started on demand.

Issue #6's target: the client page at most 1.3 times the bare notebook. Each notebook is served
by its own client face of ``kneekit serve`` (:mod:`kneekit.voila.app`, configured by
:func:`kneekit.voila.faces.face_settings`) on 127.0.0.1, so both pages pass the same share-link
gate (issue #14) and differ only in what the notebook does.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from kneekit.bench.kernel import BenchError, median, private_env
from kneekit.bench.memory import demo_clinic

RATIO_TARGET = 1.3
"""Issue #6: the client page at most 1.3 times as slow to start as a bare notebook."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "button.kneekit-start:not([disabled])"
"""The page is interactive when its Start button is visible and enabled."""
PAGE_TIMEOUT_S = 120.0
"""Longest wait for one page, a server or a kernel pool; past it the benchmark gives up."""

BARE_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "id": "bare",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": (
                "import ipywidgets as w\n"
                'start = w.Button(description="Start")\n'
                'start.add_class("kneekit-start")\n'
                "start"
            ),
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}
"""The baseline page: one cell showing a Start button (no kneekit, no database)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kernel_processes(pid: int) -> list[psutil.Process]:
    """The Jupyter kernels running under process ``pid`` (a Voilà server, or kneekit serve)."""
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def _wait(condition: Callable[[], bool], what: str, timeout: float = PAGE_TIMEOUT_S) -> None:
    """Poll ``condition`` until it holds; BenchError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise BenchError(f"gave up waiting {timeout:.0f} s for {what}")
        time.sleep(0.2)


def _settle(server: subprocess.Popen[bytes]) -> None:
    """Wait until the server runs no kernel: the last page's kernel has shut down, so the next
    load starts from the same state."""
    _wait(lambda: not kernel_processes(server.pid), "the server's kernels to shut down")


@contextmanager
def voila_server(
    folder: Path, db: Path, bare: bool
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A client face serving the client notebook, or the bare one when ``bare``; yields its
    address (a share link's query goes after it)."""
    from kneekit.voila.faces import CLIENT_NOTEBOOK, NOTEBOOKS, face_settings

    folder.mkdir(parents=True)
    notebook = folder / "page.ipynb"
    if bare:
        notebook.write_text(json.dumps(BARE_NOTEBOOK), encoding="utf-8")
    else:
        shutil.copyfile(NOTEBOOKS / CLIENT_NOTEBOOK, notebook)
    port = free_port()
    settings = face_settings("client", host="127.0.0.1", port=port, target=notebook, runtime=folder)
    (folder / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    env = private_env(folder, {"KNEEKIT_DB": str(db)})
    with (folder / "voila.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "kneekit.voila.app", str(folder / "settings.json")],
            env=env,
            cwd=folder,
            stdout=log,
            stderr=log,
        )
    try:

        def listening() -> bool:
            if server.poll() is not None:
                raise BenchError(f"the Voilà server stopped; see {folder / 'voila.log'}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                return False
            return True

        _wait(listening, "the Voilà server to listen")
        yield f"http://127.0.0.1:{port}/", server
    except BenchError as exc:
        tail = (folder / "voila.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BenchError(f"{exc}\nThe Voilà server's log ends with:\n{tail}") from exc
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def time_page(browser: Any, url: str, closed: Callable[[], object]) -> float:
    """Seconds from navigation to an enabled Start button. The page is then closed as a tab is,
    and ``closed`` is called before its browser context goes (its shutdown beacon is on its way).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 412, "height": 915})
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname == "127.0.0.1"
            else route.abort()
        ),
    )
    page = context.new_page()
    try:
        began = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_S * 1000)
        try:
            page.wait_for_selector(READY, state="visible", timeout=PAGE_TIMEOUT_S * 1000)
        except PlaywrightTimeout as exc:
            shown = " ".join(page.inner_text("body").split())[:300]
            raise BenchError(
                f"{url} had no Start button after {PAGE_TIMEOUT_S:.0f} s; it showed: {shown!r}"
            ) from exc
        return time.perf_counter() - began
    finally:
        page.close(run_before_unload=True)
        closed()
        context.close()


def measure(runs: int = 5) -> dict[str, Any]:
    """Median start-up of each page, kernels started on demand (seconds), the two pages taking
    turns so that a change in the machine's load falls on both.

    Preheated kernels are not measured: ``kneekit serve`` does not preheat, because a preheated
    kernel learned its visitor's share token over a socket any local user could take first
    (issue #14)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BenchError("Playwright is not installed (pip install 'kneekit[test]')") from exc
    if not Path(CHROMIUM).exists():
        raise BenchError(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    times: dict[str, list[float]] = {"client": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="kneekit-bench-") as tmp:
        folder = Path(tmp)
        db, query = demo_clinic(folder)
        try:
            with (
                sync_playwright() as playwright,
                voila_server(folder / "client", db, bare=False) as client_face,
                voila_server(folder / "bare", db, bare=True) as bare_face,
            ):
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                for _ in range(runs):
                    for name, (base, server) in (("client", client_face), ("bare", bare_face)):
                        times[name].append(
                            time_page(browser, f"{base}?{query}", partial(_settle, server))
                        )
                browser.close()
        except PlaywrightError as exc:
            raise BenchError(f"the browser failed: {exc}") from exc
    client, bare = median(times["client"]), median(times["bare"])
    return {
        "client_s": round(client, 2),
        "bare_s": round(bare, 2),
        "ratio": round(client / bare, 2),
        "runs": runs,
        "met": client / bare <= RATIO_TARGET,
    }
