"""A real Jupyter kernel for benchmarks and fault tests, started and spoken to with jupyter_client.

The kernel talks over IPC sockets in a private folder (nothing listens on the network), and its
Jupyter, IPython and matplotlib folders are pointed there too, so a run leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from jupyter_client.manager import KernelManager

STARTUP_TIMEOUT_S = 90.0
"""How long a kernel may take to answer its first message; a loaded 2-core machine is slow."""

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class BenchError(RuntimeError):
    """A benchmark cannot run here (no browser, a kernel that failed); said in words."""


def private_env(folder: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with Jupyter's, IPython's and matplotlib's folders in ``folder``.

    ``KNEEKIT_*`` settings are dropped, so that a benchmark never touches the user's clinic.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNEEKIT_")}
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        path = folder / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silences the debugger's note on frozen modules
    return env | dict(extra or {})


def median(values: Iterable[float]) -> float:
    """The median, or NaN when there are no values (shown as "n/a")."""
    found = list(values)
    return statistics.median(found) if found else float("nan")


class Kernel:
    """A python3 kernel in ``folder``; use it as a context manager so that it is always stopped.

    Parameters
    ----------
    folder : Path
        Private folder for its sockets, connection file, log and settings.
    env : Mapping, optional
        Extra environment variables (e.g. ``KNEEKIT_DB``).
    """

    def __init__(self, folder: Path, env: Mapping[str, str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.log = folder / "kernel.log"
        self.manager = KernelManager(
            kernel_name="python3",
            transport="ipc",
            ip=str(folder / "ipc"),
            connection_file=str(folder / "kernel.json"),
        )
        self._env = private_env(folder, env)
        self.client: Any = None

    def __enter__(self) -> Self:
        with self.log.open("ab") as log:
            self.manager.start_kernel(env=self._env, cwd=str(self.folder), stdout=log, stderr=log)
        self.client = self.manager.client()
        self.client.start_channels()
        try:
            self.client.wait_for_ready(timeout=STARTUP_TIMEOUT_S)
        except RuntimeError as exc:
            self.__exit__(None, None, None)
            raise BenchError(f"a Jupyter kernel did not start: {exc}; see {self.log}") from exc
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.client is not None:
            self.client.stop_channels()
        if self.manager.has_kernel and self.manager.is_alive():
            self.manager.shutdown_kernel(now=True)
        self.manager.cleanup_resources()

    @property
    def pid(self) -> int:
        """The kernel's process id."""
        return int(self.manager.provisioner.pid)  # type: ignore[union-attr]

    def kill(self) -> None:
        """SIGKILL the kernel, as a crash or the out-of-memory killer would; returns once it is
        gone."""
        os.kill(self.pid, signal.SIGKILL)
        self.manager.provisioner.process.wait(30)  # type: ignore[union-attr]

    def run(self, code: str, timeout: float = 60.0) -> str:
        """Execute ``code``; returns what it printed. BenchError with the traceback if it fails."""
        printed: list[str] = []
        failure: list[str] = []

        def collect(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                printed.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                failure.append(_ANSI.sub("", "\n".join(msg["content"]["traceback"])))

        try:
            reply = self.client.execute_interactive(
                code, store_history=False, timeout=timeout, output_hook=collect
            )
        except TimeoutError as exc:
            raise BenchError(f"the kernel did not answer within {timeout:.0f} s") from exc
        if failure or reply["content"]["status"] != "ok":
            raise BenchError("code in the kernel failed:\n" + "\n".join(failure))
        return "".join(printed)

    def send_comm(self, comm_id: str, data: dict[str, Any]) -> None:
        """Send a widget message as a browser does (e.g. a slider moved); there is no reply."""
        msg = self.client.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.client.shell_channel.send(msg)
