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
- **no page, no kernel for long**: a kernel whose page was sent but whose browser never ran it
  (a script, a link preview: no websocket, and not the page's first request, see
  :meth:`GuardedKernelManager.page_opened`) is shut down ``unopened_timeout`` seconds later;
- **no endless work**: a kernel found busy at every check for ``busy_limit`` seconds is shut
  down (a stuck callback, or a flood of messages), whether or not a page is connected.

Each kernel starts with an environment holding no token, URL or secret (:meth:`GuardedKernelManager.
start_kernel`): the client page's kernel is told only which client the server already checked.

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

from kneekit.sharing import PAGE_CLIENT_ENV, SECRET_ENV
from kneekit.voila.guard import CURRENT_PAGE

KERNEL_ENV_DROPPED = frozenset(
    {
        SECRET_ENV,
        "QUERY_STRING",
        "VOILA_REQUEST_URL",
        "SCRIPT_NAME",
        "PATH_INFO",
        "SERVER_NAME",
        "SERVER_PORT",
        "VOILA_APP_PORT",
    }
)
"""What Voilà would put in a page's kernel environment that a kernel must not hold: the query
string and URL carry the share token (client) or the clinic secret (clinic). Any process of the
same user can read a kernel's environment; kneekit's notebooks need none of these."""

KERNEL_ARGUMENTS = ("--InteractiveShell.xmode=Minimal",)
"""Added to every kernel's command line. A widget update that fails validation makes ipywidgets
show the traceback with IPython, whose default mode renders each frame's source with syntax
highlighting: 140 ms of kernel CPU per message against 1.5 ms for a valid update (measured on
ipywidgets 8, IPython 9), so a page could burn a kernel with invalid updates (issue #14, finding
2). The minimal mode prints the exception line only: ~5 ms. The traceback never reaches the page
anyway (``allow_tracebacks`` is off)."""


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

    unopened_timeout = Integer(
        30,
        config=True,
        help="""Seconds after its page was sent that a kernel is shut down if no browser has
        connected to it yet: a browser running the page connects within a second or two of the
        page arriving, so 30 s leaves room for a slow phone, while a script's loads free their
        kernels at once.""",
    )
    busy_limit = Integer(
        120,
        config=True,
        help="""Seconds a kernel may be seen busy at every check before it is shut down.

        Rendering the client page takes a few seconds and a widget callback milliseconds; two
        minutes of unbroken work is a stuck page or a flood, not a runner.""",
    )

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self) -> str:
        return f"{__name__}.PageKernelManager"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._admitted = 0
        self._unwatched_since: dict[str, datetime] = {}
        self._busy_since: dict[str, datetime] = {}
        self._served_at: dict[str, datetime] = {}
        self._ever_connected: set[str] = set()
        self.page_keys: dict[str, str] = {}
        """The key of the page that started each kernel (see kneekit.voila.guard)."""
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
        kwargs.setdefault("extra_arguments", list(KERNEL_ARGUMENTS))
        grant = CURRENT_PAGE.get()
        env = {k: v for k, v in (kwargs.get("env") or {}).items() if k not in KERNEL_ENV_DROPPED}
        if grant is not None and grant.client_id is not None:
            env[PAGE_CLIENT_ENV] = str(grant.client_id)
        if "env" in kwargs:
            kwargs["env"] = env
        kernel_id = str(await super().start_kernel(**kwargs))
        if grant is not None:
            grant.kernel_id = kernel_id
            self.page_keys[kernel_id] = grant.key
        return kernel_id

    def page_opened(self, kernel_id: str) -> None:
        """A browser running the page said it is there (before its websocket, which can take a
        while to open on a slow phone): the unopened rule no longer applies; the orphan rule
        does."""
        self._ever_connected.add(kernel_id)

    def page_served(self, kernel_id: str) -> None:
        """The page of ``kernel_id`` has been sent: its browser should connect soon."""
        self._served_at.setdefault(kernel_id, self.clock())

    # -- orphans ------------------------------------------------------------------------------
    def notify_connect(self, kernel_id: str) -> None:
        """A page connected: the kernel is watched again."""
        super().notify_connect(kernel_id)
        self._unwatched_since.pop(kernel_id, None)
        self._ever_connected.add(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:
        """A page disconnected: when it was the last one, the orphan clock starts now."""
        super().notify_disconnect(kernel_id)
        if self._kernel_connections.get(kernel_id, 0) == 0:
            self._unwatched_since[kernel_id] = self.clock()

    async def cull_kernels(self) -> None:
        """Cull as Jupyter does, then forget kernels that are gone."""
        await super().cull_kernels()
        live = set(self.list_kernel_ids())
        for kernel_id in set(self._unwatched_since) - live:
            del self._unwatched_since[kernel_id]
        for table in (self._busy_since, self._served_at, self.page_keys):
            for kernel_id in set(table) - live:
                del table[kernel_id]
        self._ever_connected &= live

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Shut down a kernel left without a page too long; otherwise Jupyter's idle rule.

        The orphan clock of a kernel first seen here starts when it is seen: a preheated kernel
        handed to a page only now gets the full ``orphan_timeout`` for its page to connect.
        """
        now = self.clock()
        if self._past_a_limit(kernel_id, now):
            await ensure_async(self.shutdown_kernel(kernel_id))
            return
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

    def _past_a_limit(self, kernel_id: str, now: datetime) -> bool:
        """Whether the kernel's page never connected in time, or it has been busy too long."""
        served = self._served_at.get(kernel_id)
        unopened = timedelta(seconds=self.unopened_timeout)
        if kernel_id not in self._ever_connected and served and now - served > unopened:
            self.log.info("Shutting down kernel %s: its page never connected.", kernel_id)
            return True
        state = getattr(self._kernels.get(kernel_id), "execution_state", "")
        if state != "busy":
            self._busy_since.pop(kernel_id, None)
            return False
        since = self._busy_since.setdefault(kernel_id, now)
        if now - since > timedelta(seconds=self.busy_limit):
            self.log.warning(
                "Shutting down kernel %s: busy for over %d s.", kernel_id, self.busy_limit
            )
            return True
        return False


def _utcnow() -> datetime:
    return datetime.now(UTC)
