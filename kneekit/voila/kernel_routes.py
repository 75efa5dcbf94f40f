"""A page's kernel routes, for that page only: its websocket, its state and delete, its beacon.

Voilà and Jupyter let anyone who knows a kernel's id open its websocket or shut it down; here
each route asks for the key of the page that started the kernel (a cookie scoped to the
kernel's URLs, see :mod:`kneekit.voila.guard`), and each websocket connection is bounded in
message rate, size and comms opened (issue #14, finding 2). The bounds are settings of the app
(:class:`kneekit.voila.app.KneekitVoila`), read from the Tornado settings
``kneekit_messages_burst``, ``kneekit_messages_per_s``, ``kneekit_message_max_bytes`` and
``kneekit_comms_per_connection``.
"""

from __future__ import annotations

import hmac
import json
from typing import cast

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.handlers import KernelHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from kneekit.voila.guard import PAGE_COOKIE, SHUTDOWN_COOKIE, RateLimit
from kneekit.voila.kernels import GuardedKernelManager


def _page_key_matches(handler: tornado.web.RequestHandler, kernel_id: str, cookie: str) -> bool:
    """Whether the request carries the key of the page that started ``kernel_id``.

    Every kernel is started for its page (no face preheats), so a kernel without a key is
    nobody's to open.
    """
    expected = handler.settings["kernel_manager"].page_keys.get(kernel_id)
    given = handler.get_cookie(cookie) or ""
    return bool(expected) and hmac.compare_digest(expected, given)


class BoundKernelWebsocketHandler(VoilaKernelWebsocketHandler):  # type: ignore[misc]
    """A kernel's websocket, for the page that started it only, with per-connection limits."""

    async def pre_get(self) -> None:
        """Refuse a browser without the page key (another page's, or a script guessing ids)."""
        if not _page_key_matches(self, self.kernel_id, PAGE_COOKIE):
            raise tornado.web.HTTPError(403)
        self._rate = RateLimit(
            self.settings["kneekit_messages_burst"], self.settings["kneekit_messages_per_s"]
        )
        self._comms = 0
        await super().pre_get()

    def on_message(self, ws_message: str | bytes) -> None:
        """Pass a message on if within the limits; otherwise close the connection."""
        problem = self._over_limit(ws_message)
        if problem:
            self.log.warning(
                "Closed a kernel connection from %s: %s.", self.request.remote_ip, problem
            )
            self.close(1008, problem)
            return
        super().on_message(ws_message)

    def _over_limit(self, ws_message: str | bytes) -> str:
        if len(ws_message) > self.settings["kneekit_message_max_bytes"]:
            return "message too large"
        if not self._rate.spend("connection"):
            return "too many messages"
        if _msg_type(ws_message) == "comm_open":
            self._comms += 1
            if self._comms > self.settings["kneekit_comms_per_connection"]:
                return "too many comms opened"
        return ""


def _msg_type(ws_message: str | bytes) -> str:
    """The type of a message from a page: v1 binary frames, or the legacy JSON text."""
    try:
        if isinstance(ws_message, bytes):
            from voila.tornado.kernel_websocket_handler import read_header_from_binary_message

            header = read_header_from_binary_message(ws_message) or {}
        else:
            header = json.loads(ws_message).get("header", {})
        return str(header.get("msg_type", ""))
    except (ValueError, TypeError, AttributeError, IndexError):
        return ""


class BoundKernelHandler(KernelHandler):
    """``/api/kernels/<id>``: anyone may ask whether it lives; only its page may delete it."""

    async def get(self, kernel_id: str) -> None:
        """The kernel's state; asked with the page's key, it also tells the server that a
        browser is running the page (the page's script asks as soon as it starts)."""
        if _page_key_matches(self, kernel_id, PAGE_COOKIE):
            cast(GuardedKernelManager, self.kernel_manager).page_opened(kernel_id)
        await ensure_async(super().get(kernel_id))

    async def delete(self, kernel_id: str) -> None:
        """Delete the kernel if the request carries its page's key."""
        if not _page_key_matches(self, kernel_id, PAGE_COOKIE):
            raise tornado.web.HTTPError(403)
        await ensure_async(super().delete(kernel_id))


class BoundShutdownHandler(VoilaShutdownKernelHandler):  # type: ignore[misc]
    """The page's shutdown beacon, accepted from that page only."""

    async def post(self, kernel_id: str) -> None:
        """Shut the kernel down if the beacon carries its page's key."""
        if not _page_key_matches(self, kernel_id, SHUTDOWN_COOKIE):
            raise tornado.web.HTTPError(403)
        await super().post(kernel_id)
