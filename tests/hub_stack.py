"""A whole clinic on one machine, for the integration test: PostgreSQL, then JupyterHub (with
configurable-http-proxy, the kneekit-clients service and the idle culler) from the deployment
``kneekit hub init`` writes, every process an unprivileged user's.

Why a second Python environment: this project's own interpreter may live where only root can
read it (pyenv under /root), and the hub must never run as root. So the hub gets a virtual
environment of its own, made from the system's Python in a world-readable folder, with the
dependencies of :data:`EXTRAS` installed once and reused (keyed by ``pyproject.toml`` and the
extras, so a changed dependency list makes a new one). This checkout's kneekit is installed into
a folder of each run's own (``pip install --target``, files copied, not linked), so the hub
always runs the code under test and two checkouts never share it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil

ROOT = Path(__file__).resolve().parent.parent

SYSTEM_PYTHON = os.environ.get("KNEEKIT_HUB_PYTHON", "/usr/bin/python3.11")
"""Debian's Python: readable by every user, unlike a pyenv interpreter under /root."""

VENVS = Path(os.environ.get("KNEEKIT_HUB_VENVS", "/var/tmp"))
"""Where the hub's environment is kept between runs (world-readable, survives reboots)."""

BUILD_BACKEND = "setuptools>=77"
"""pyproject.toml's build backend, installed in the hub's environment to build each checkout."""

EXTRAS = os.environ.get("KNEEKIT_HUB_EXTRAS", "hub,lab")
"""What the hub's environment installs. By default a clinic whose physios also get JupyterLab
(the hub extra leaves it out, so the lab extra goes beside it): the test checks each physio's
JupyterLab answers. ``KNEEKIT_HUB_EXTRAS=hub`` runs the stack without it, as ``kneekit[hub]``
installs it: the clinic pages work and ``/user/NAME/lab`` is not there."""

STALE_S = 2 * 24 * 3600
"""A hub environment no run has used for two days (an older pyproject.toml's) is removed."""

PROXY = "configurable-http-proxy"
"""JupyterHub's proxy, from npm (``npm install -g configurable-http-proxy@4.6``; .ci/run does)."""


def run_as() -> dict[str, Any]:
    """Popen arguments that drop root to ``nobody``; nothing when the tests are not root."""
    if os.geteuid() != 0:
        return {}
    who = pwd.getpwnam("nobody")
    return {"user": who.pw_uid, "group": who.pw_gid, "extra_groups": []}


def _give(path: Path) -> None:
    """Make ``path`` (a folder this run made) the unprivileged user's."""
    as_ = run_as()
    if as_:
        for folder, _dirs, files in os.walk(path):
            os.chown(folder, as_["user"], as_["group"])
            for name in files:
                os.chown(Path(folder) / name, as_["user"], as_["group"])


def hub_venv() -> Path:
    """The hub's environment: made (about 3 minutes) or reused (instant); returns its folder."""
    recipe = f"{SYSTEM_PYTHON} {BUILD_BACKEND} {EXTRAS}".encode()
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + recipe)
    venv = VENVS / f"kneekit-hub-venv-{key.hexdigest()[:12]}"
    done = venv / "kneekit-complete"
    with (VENVS / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs at once: the second waits, then reuses
        if not done.exists():
            shutil.rmtree(venv, ignore_errors=True)  # a half-made one from an interrupted run
            subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
            subprocess.run([*pip, f"{ROOT}[{EXTRAS}]", BUILD_BACKEND], check=True)
            # kneekit itself comes from each run's own copy (PYTHONPATH), never from here.
            uninstall = [str(venv / "bin" / "python"), "-m", "pip", "uninstall", "-q", "-y"]
            subprocess.run([*uninstall, "kneekit"], check=True)
            done.write_text("complete\n")
        done.touch()  # in use: kept from pruning
        _prune(venv)
    return venv


def _prune(keep: Path) -> None:
    """Remove other hub environments unused for :data:`STALE_S` (each is about 600 MiB)."""
    for other in VENVS.glob("kneekit-hub-venv-*"):
        marker = other / "kneekit-complete"
        if other == keep or not other.is_dir():
            continue
        if marker.exists() and time.time() - marker.stat().st_mtime < STALE_S:
            continue
        with other.with_name(f"{other.name}.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another run is building it right now
            shutil.rmtree(other, ignore_errors=True)


def install_checkout(venv: Path, target: Path) -> None:
    """Install this checkout's kneekit (not its dependencies) into ``target``, files copied."""
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps"]
    # No build isolation: the environment has the build backend already (see hub_venv), so no
    # throwaway one is made each run.
    subprocess.run(
        [*pip, "--no-build-isolation", "--target", str(target), str(ROOT)],
        check=True,
        env=os.environ | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )


@dataclass
class Hub:
    """A running JupyterHub and where to find its parts."""

    process: subprocess.Popen[bytes]
    folder: Path
    url: str  # the proxy's public address, e.g. http://127.0.0.1:8000/
    env: dict[str, str]
    venv: Path
    said: str = ""  # what ``kneekit hub init`` printed
    log: list[str] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)  # every process of the stack noticed so far
    reader: threading.Thread | None = None  # copies the hub's output into ``log``

    @property
    def clients(self) -> str:
        return f"{self.url}services/kneekit-clients/"

    def processes(self) -> list[psutil.Process]:
        """The hub and every process under it now (proxy, services, servers, kernels)."""
        try:
            root = psutil.Process(self.process.pid)
            found = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        self.seen |= {p.pid for p in found}
        return found

    def find(self, *words: str) -> list[psutil.Process]:
        """The stack's processes whose command line holds every one of ``words``."""
        out = []
        for proc in self.processes():
            try:
                line = " ".join(proc.cmdline())
            except psutil.NoSuchProcess:
                continue
            if all(w in line for w in words):
                out.append(proc)
        return out

    def server_of(self, user: str) -> psutil.Process:
        """The single-user server of ``user`` (the hub starts it as jupyterhub-singleuser)."""
        for proc in self.find("jupyterhub-singleuser"):
            try:
                if proc.environ().get("JUPYTERHUB_USER") == user:
                    return proc
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        raise LookupError(f"no server running for {user}")

    def stop(self, timeout: float = 120) -> None:
        """Stop the hub as its init system would (SIGTERM): it stops servers, services, proxy."""
        self.processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=timeout)
        if self.reader is not None:
            self.reader.join(timeout=timeout)  # the output ends when its last writer exits
        if self.process.stdout is not None:
            self.process.stdout.close()

    def left_over(self) -> list[str]:
        """Processes of this stack still running: every one seen, and any naming its folders."""
        alive = []
        for proc in psutil.process_iter(["pid", "cmdline"]):
            line = " ".join(proc.info["cmdline"] or [])
            if proc.info["pid"] in self.seen or str(self.folder) in line:
                try:
                    if proc.status() != psutil.STATUS_ZOMBIE:
                        alive.append(f"{proc.info['pid']}: {line}")
                except psutil.NoSuchProcess:
                    continue
        return alive


def _drain(stream: IO[bytes], into: list[str], ready: threading.Event, marker: str) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace")
        into.append(line)
        if marker in line:
            ready.set()
    ready.set()  # the hub ended: whoever waits must look at why


def start_hub(
    folder: Path, db_url: str, ports: dict[str, int], idle_timeout: int
) -> Callable[[], Hub]:
    """Write the deployment with ``kneekit hub init`` (as the hub's user) and start JupyterHub.

    Returns a function that waits until the hub says it is running and hands back the
    :class:`Hub` (so the caller can time the two parts apart).
    """
    venv = hub_venv()
    site = folder / "site"
    install_checkout(venv, site)
    hub = folder / "hub"
    hub.mkdir()
    _give(folder)
    path = f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"
    env = {"PATH": path, "HOME": str(hub), "LANG": "C.UTF-8", "PYTHONPATH": str(site)}
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # no migration warnings in the logs
    bind = f"http://127.0.0.1:{ports['public']}"
    init = [str(venv / "bin" / "python"), "-m", "kneekit.cli", "hub", "init", str(hub)]
    init += ["--db-url", db_url, "--auth", "dummy", "--bind-url", bind]
    init += ["--idle-timeout", str(idle_timeout), "--clients-port", str(ports["clients"])]
    made = subprocess.run(init, env=env, cwd=hub, check=True, capture_output=True, **run_as())
    config = hub / "jupyterhub_config.py"
    with config.open("a", encoding="utf-8") as extra:
        # The test's own ports, and activity read from the proxy every 5 s instead of 5 min,
        # so a page in use is not culled under the test's short idle timeout.
        extra.write(
            "\n# Added by the integration test\n"
            f"c.JupyterHub.hub_port = {ports['hub']}\n"
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{ports['api']}'\n"
            "c.JupyterHub.last_activity_interval = 5\n"
        )
    command = [str(venv / "bin" / "jupyterhub"), "-f", str(config)]
    process = subprocess.Popen(
        command, cwd=hub, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **run_as()
    )
    assert process.stdout is not None
    started = Hub(process, folder, f"{bind}/", env, venv, made.stdout.decode())
    ready = threading.Event()
    started.reader = threading.Thread(
        target=_drain,
        args=(process.stdout, started.log, ready, "JupyterHub is now running"),
        daemon=True,
    )
    started.reader.start()

    def wait() -> Hub:
        ready.wait(timeout=180)
        if process.poll() is not None or not ready.is_set():
            started.stop()
            raise RuntimeError("JupyterHub did not start:\n" + "".join(started.log[-60:]))
        with urllib.request.urlopen(f"{bind}/hub/health", timeout=30) as reply:
            assert reply.status == 200
        started.processes()
        return started

    return wait


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``step``; returns what it returns and the seconds it took."""
    began = time.monotonic()
    out = step()
    return out, time.monotonic() - began


def make_folder() -> Path:
    """A temporary folder the unprivileged user can enter (mkdtemp makes it root's, 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="kneekit-hub-"))
    folder.chmod(0o755)
    return folder
