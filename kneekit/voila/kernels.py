"""The kernel manager of a kneekit Voilà face: a cap on live kernels, and no kernel left unwatched.

Every page load starts a Python kernel of about 100 MiB (issue #5, measured on Voilà 0.5.13), so a
burst of anonymous loads could otherwise exhaust the machine. Two rules bound that:

- **a cap**: a page is admitted only while fewer than ``max_kernels`` kernels are live or being
  started; over it, the visitor gets a "busy" page (see :mod:`kneekit.voila.app`);
- **no orphans**: a kernel no browser has been connected to for ``orphan_timeout`` seconds is shut
  down, whatever it is doing. That frees the kernels of pages closed without the shutdown beacon
  (phones rarely send it), of loads that never ran the page's JavaScript (scripts, previews), and
  of pages whose timer task never ended. Jupyter's own idle culling (``cull_idle_timeout`` with
  ``cull_connected``) still frees tabs left open and idle.

Kernels waiting in Voilà's preheated pool are never seen here: Voilà's pool manager answers for
them before calling :meth:`GuardedKernelManager.cull_kernel_if_idle`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import (
    AsyncMappingKernelManager,
    ServerKernelManager,
)
from traitlets import Integer, default


class PageKernelManager(ServerKernelManager):
    """The manager of one kernel, able to answer what jupyter_server asks of it.

    With tracebacks hidden (``allow_tracebacks=False``), jupyter_server 2.21 replaces the
    traceback of each error message with ``kernel_manager.traceback_replacement_message``, but
    reads it from this per-kernel manager, which lacks it: the AttributeError then breaks the
    page's connection, so one failing widget callback would freeze the whole page (found by
    tests/browser/test_untrusted.py). The message lives on the mapping manager, the parent.
    """

    @property
    def traceback_replacement_message(self) -> str:
        """The text a page gets instead of a traceback."""
        return str(getattr(self.parent, "traceback_replacement_message", ""))


class GuardedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager with an admission cap and an orphan reaper."""

    max_kernels = Integer(
        20,
        config=True,
        help="""Most kernels live or starting at once; pages beyond it get the busy page.

        Default 20: about 2 GiB of kernels (100 MiB each, issue #5), well inside a clinic laptop,
        while a burst of 50 anonymous loads leaves the server answering.""",
    )
    orphan_timeout = Integer(
        180,
        config=True,
        help="""Seconds a kernel may go without any connected page before it is shut down.

        Three minutes: longer than a phone's screen lock during a hold, short enough that a
        burst of abandoned loads frees its kernels within a few minutes.""",
    )

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self) -> str:
        return f"{__name__}.PageKernelManager"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._admitted = 0
        self._unwatched_since: dict[str, datetime] = {}
        self.clock: Callable[[], datetime] = _utcnow  # tests give a manual clock

    # -- the cap ------------------------------------------------------------------------------
    @property
    def in_use(self) -> int:
        """Kernels live, plus pages admitted whose kernel may not be counted yet."""
        return len(self) + self._admitted

    def admit(self) -> bool:
        """Reserve room for one more page's kernel; False when the server is full.

        Runs without awaiting between the check and the reservation, so concurrent requests on
        the event loop cannot all slip through together.
        """
        if self.in_use >= self.max_kernels:
            return False
        self._admitted += 1
        return True

    def release(self) -> None:
        """Give back a reservation once its page has been served (its kernel now counts itself)."""
        self._admitted = max(0, self._admitted - 1)

    async def start_kernel(self, **kwargs: Any) -> str:  # type: ignore[override]  # async, as jupyter_server's
        """Start a kernel whose own error stream is discarded.

        That stream carries ipykernel's housekeeping, such as a traceback when a kernel is shut
        down in the middle of a cell (every preheated kernel is: it waits for its page), which
        would otherwise fill the physio's terminal. What a notebook prints goes to its page,
        and a kernel that dies is reported by the server.
        """
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        return str(await super().start_kernel(**kwargs))

    # -- orphans ------------------------------------------------------------------------------
    def notify_connect(self, kernel_id: str) -> None:
        """A page connected: the kernel is watched again."""
        super().notify_connect(kernel_id)
        self._unwatched_since.pop(kernel_id, None)

    def notify_disconnect(self, kernel_id: str) -> None:
        """A page disconnected: when it was the last one, the orphan clock starts now."""
        super().notify_disconnect(kernel_id)
        if self._kernel_connections.get(kernel_id, 0) == 0:
            self._unwatched_since[kernel_id] = self.clock()

    async def cull_kernels(self) -> None:
        """Cull as Jupyter does, then forget kernels that are gone."""
        await super().cull_kernels()
        for kernel_id in set(self._unwatched_since) - set(self.list_kernel_ids()):
            del self._unwatched_since[kernel_id]

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Shut down a kernel left without a page too long; otherwise Jupyter's idle rule.

        The orphan clock of a kernel first seen here starts when it is seen: a preheated kernel
        handed to a page only now gets the full ``orphan_timeout`` for its page to connect.
        """
        now = self.clock()
        if self._kernel_connections.get(kernel_id, 0) == 0:
            since = self._unwatched_since.setdefault(kernel_id, now)
            if now - since > timedelta(seconds=self.orphan_timeout):
                self.log.info(
                    "Shutting down kernel %s: no page connected for %d s.",
                    kernel_id,
                    (now - since).total_seconds(),
                )
                await ensure_async(self.shutdown_kernel(kernel_id))
                return
        await super().cull_kernel_if_idle(kernel_id)


def _utcnow() -> datetime:
    return datetime.now(UTC)
