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

# Culling, per face: (idle timeout, orphan timeout) in seconds. Clients: a routine's timer
# updates the page every second and a hold or rest lasts under a minute, so 10 minutes without
# a message means the page was left (issue #14: "within minutes, not 30"). The clinic: a physio
# may leave the overview open between appointments, so an hour.
_CULL: dict[Face, tuple[int, int]] = {"clinic": (3600, 600), "client": (600, 180)}
_CULL_INTERVAL_S = 10
"""How often kernels are checked: a page that never connects is freed within 30 + 10 s."""
PORT_OFFSET: dict[Face, int] = {"clinic": 0, "client": 1}

IOPUB_TIMEOUT_S = 60
"""How long Voilà's executor waits for a cell's output messages after the kernel reports the
cell done (nbclient's ``iopub_timeout``, default 4 s). Under a burst of page loads on a small
machine, 16 kernels start and render at once; the output of the client page's one code cell
(the widget view) then arrives seconds after its reply, nbclient gives up, and the page shows
only its title, with no error (issue #14, finding 3). Voilà turns an executor timeout into a
silent stop, so the only cure is to wait long enough; waiting longer costs nothing when the
machine is idle: the wait ends when the output arrives."""
KERNEL_INFO_TIMEOUT_S = 180
"""How long a page's websocket waits for its kernel to answer (jupyter_server's
``kernel_info_timeout``, default 60 s). Under a burst of 16 pages on two busy cores a kernel
took over 60 s to answer; the socket then failed with "Kernel never reached an 'alive' state"
and the page never showed its player."""
EXECUTE_TIMEOUT_S = 120
"""Longest a cell may run while the page renders (nbclient's ``timeout``): the client page's
cell takes about a second idle; a minute and more under a burst of 16 on two cores."""


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
    hosts: tuple[str, ...] = (),
    tls: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """What one face's process is told: the folder or notebook it serves, and its Voilà config.

    No kernel is preheated: a preheated kernel learns its visitor's query string (the share
    token) from Voilà's query socket, which hands it to whoever connects first, and is started
    with the previous visitor's URL in its environment (issue #14, finding 5); a kernel started
    for the request is told only the client the server checked.

    Everything a visitor could change by URL is fixed here: no template or theme override,
    sources stripped, no tracebacks, no files served, no stray ``voila.json`` read.
    ``hosts`` are the Host names the face answers (all when empty); ``tls`` its certificate and
    key files.
    """
    idle, orphan = _CULL[face]
    return {
        "face": face,
        "target": str(target),
        "hosts": sorted(hosts),
        "tls": list(tls) if tls else None,
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
                "preheat_kernel": False,
                "default_pool_size": 0,
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
                "unopened_timeout": 30,
                "busy_limit": EXECUTE_TIMEOUT_S + 60,
                "kernel_info_timeout": KERNEL_INFO_TIMEOUT_S,
            },
            "KernelManager": {"transport": kernel_transport(runtime)},
            "VoilaExecutor": {
                "cell_error_instruction": "Please tell your physio that this page did not load.",
                "iopub_timeout": IOPUB_TIMEOUT_S,
                "timeout": EXECUTE_TIMEOUT_S,
                "startup_timeout": EXECUTE_TIMEOUT_S,
            },
            "NotebookNotary": {"data_dir": str(runtime), "db_file": ":memory:"},
        },
    }


def prepare_runtime(
    runtime: Path,
    host: str,
    port: int,
    max_kernels: int,
    *,
    hosts: tuple[str, ...] = (),
    tls: tuple[str, str] | None = None,
) -> dict[Face, Path]:
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
            hosts=hosts,
            tls=tls,
        )
        files[face] = folder / "settings.json"
        files[face].write_text(json.dumps(settings, indent=1), encoding="utf-8")
    return files
