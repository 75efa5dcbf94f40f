"""The two faces of ``kneekit serve``: which notebooks each serves, and its Voilà configuration.

- the **clinic**: the physio's notebooks, behind the secret token;
- the **client** page: ``client.ipynb`` only, opened by a share link.

Each face runs :mod:`kneekit.voila.app` in its own process from a private folder holding copies of
its notebooks only, so neither can serve a file it was not given.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Literal

from kneekit.errors import KneekitError, Problem

Face = Literal["clinic", "client"]
FACES: tuple[Face, Face] = ("clinic", "client")

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
"""The shipped notebooks (package data: a link to the repository's ``notebooks/`` folder)."""
CLINIC_NOTEBOOKS = (
    "clinic.ipynb",
    "trends.ipynb",
    "routine_lab.ipynb",
    "session.ipynb",
    "checkin.ipynb",
)
CLIENT_NOTEBOOK = "client.ipynb"

DEFAULT_MAX_KERNELS = 20
"""Live kernels per face: ~2 GiB at ~100 MiB each (issue #5 measured); see kernels.py."""

# Culling, per face: (idle timeout, orphan timeout) in seconds. Clients: a routine has a step
# every few seconds, so 30 idle minutes means the page is abandoned. The clinic: a physio may
# leave the overview open between appointments, so an hour.
_CULL: dict[Face, tuple[int, int]] = {"clinic": (3600, 600), "client": (1800, 180)}
_CULL_INTERVAL_S = 30
PORT_OFFSET: dict[Face, int] = {"clinic": 0, "client": 1}
_PRELOAD: dict[Face, int] = {"clinic": 0, "client": 1}
"""Preheated kernels: only for the client page, which reads its query string through
``get_query_string`` and so renders fresh data. A preheated clinic notebook would show the
records as they were when it was preheated."""


UNIX_SOCKET_PATH_MAX = 103
"""The longest path a Unix socket may have on macOS (104 bytes with the closing NUL; Linux: 107)."""
_KERNEL_SOCKET_TAIL = len("/voila_12345678/kernel-") + 36 + len("-ipc-99")
"""What Voilà (its connection folder) and jupyter_client (the kernel's id and channel) add to a
face's folder to name a kernel's socket."""


def kernel_transport(folder: Path) -> Literal["ipc", "tcp"]:
    """How a face's kernels talk to it: Unix sockets in its private folder where their paths fit,
    else TCP on localhost, as Jupyter does by default (guarded, like the sockets, by the key in
    the owner-only connection file).

    Socket paths have a hard length limit, and a long temporary folder (macOS puts it under
    ``/var/folders/…``) exceeds it: every kernel would then fail to start.
    """
    fits = len(os.fsencode(folder)) + _KERNEL_SOCKET_TAIL <= UNIX_SOCKET_PATH_MAX
    return "ipc" if os.name == "posix" and fits else "tcp"


def face_settings(
    face: Face,
    *,
    host: str,
    port: int,
    target: Path,
    runtime: Path,
    max_kernels: int = DEFAULT_MAX_KERNELS,
    preheat: int | None = None,
) -> dict[str, Any]:
    """What one face's process is told: the folder or notebook it serves, and its Voilà config.

    ``preheat`` is the number of kernels kept ready (default: 1 for the client page, 0 for the
    clinic). Everything a visitor could change by URL is fixed here: no template or theme
    override, sources stripped, no tracebacks, no files served, no stray ``voila.json`` read.
    """
    idle, orphan = _CULL[face]
    pool = _PRELOAD[face] if preheat is None else preheat
    return {
        "face": face,
        "target": str(target),
        "config": {
            "Voila": {
                "ip": host,
                "port": port,
                "port_retries": 0,
                "open_browser": False,
                "log_level": "WARN",
                "config_file_paths": [],
                "connection_dir_root": str(runtime),
            },
            "VoilaConfiguration": {
                "template": "kneekit",
                "theme": "light",
                "allow_template_override": "NO",
                "allow_theme_override": "NO",
                "strip_sources": True,
                "show_tracebacks": False,
                "file_allowlist": [],
                "file_denylist": [".*"],
                "http_header_envs": [],
                "preheat_kernel": pool > 0,
                "default_pool_size": pool,
                "multi_kernel_manager_class": "kneekit.voila.kernels.GuardedKernelManager",
            },
            "GuardedKernelManager": {
                "max_kernels": max_kernels,
                "orphan_timeout": orphan,
                "cull_idle_timeout": idle,
                "cull_interval": _CULL_INTERVAL_S,
                "cull_connected": True,
                "cull_busy": False,
                "allow_tracebacks": False,
            },
            "KernelManager": {"transport": kernel_transport(runtime)},
            "VoilaExecutor": {
                "cell_error_instruction": "Please tell your physio that this page did not load."
            },
            "NotebookNotary": {"data_dir": str(runtime), "db_file": ":memory:"},
        },
    }


def prepare_runtime(runtime: Path, host: str, port: int, max_kernels: int) -> dict[Face, Path]:
    """Copy each face's notebooks into its own folder and write its settings; returns the files."""
    missing = [n for n in (*CLINIC_NOTEBOOKS, CLIENT_NOTEBOOK) if not (NOTEBOOKS / n).is_file()]
    if missing:
        raise KneekitError(
            [
                Problem(
                    str(NOTEBOOKS),
                    "",
                    f"kneekit's notebooks are missing: {', '.join(missing)}. Reinstall kneekit.",
                )
            ]
        )
    files: dict[Face, Path] = {}
    for face in FACES:
        folder = runtime / face
        (folder / "notebooks").mkdir(parents=True)
        names = CLINIC_NOTEBOOKS if face == "clinic" else (CLIENT_NOTEBOOK,)
        for name in names:
            shutil.copyfile(NOTEBOOKS / name, folder / "notebooks" / name)
        # The clinic serves its folder (a notebook list); the client face one notebook only.
        target = folder / "notebooks" / ("" if face == "clinic" else CLIENT_NOTEBOOK)
        settings = face_settings(
            face,
            host=host,
            port=port + PORT_OFFSET[face],
            target=target,
            runtime=folder,
            max_kernels=max_kernels,
        )
        files[face] = folder / "settings.json"
        files[face].write_text(json.dumps(settings, indent=1), encoding="utf-8")
    return files
