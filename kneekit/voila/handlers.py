"""kneekit's Tornado handlers in place of Voilà's: the page, the kernel routes, login and logout.

What each changes, and why (issue #14 names the findings):

- :class:`PageHandler` refuses before any kernel starts: too many loads from one address, a bad
  share link (a static page, no kernel), a full server (the busy page). It hands the share's
  client to the kernel manager (not the token) and gives the browser a per-page key as cookies
  scoped to that page's kernel URLs.
- :class:`BoundKernelWebsocketHandler`, :class:`BoundKernelHandler` and
  :class:`BoundShutdownHandler` open, delete or shut down a kernel only for the page key that
  started it, and bound each connection's message rate, size and comms opened.
- :class:`KneekitIdentityProvider` counts wrong clinic secrets per address and sets SameSite
  cookies; :class:`LogoutHandler` signs the physio out with a static page.
- :class:`GatedApplication` answers a wrong Host, or an address out of tries, before routing.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any, cast

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.logout import LogoutHandler as JupyterLogoutHandler
from jupyter_server.log import log_request
from jupyter_server.services.kernels.handlers import KernelHandler
from tornado import httputil
from traitlets import default
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
from voila.voila_identity_provider import VoilaIdentityProvider

from kneekit.sharing import INVALID_LINK, share_token
from kneekit.voila.guard import (
    CURRENT_PAGE,
    PAGE_COOKIE,
    PAGE_LOADS,
    SIGNED_OUT,
    TOO_MANY_TRIES,
    WRONG_HOST,
    WRONG_TRIES,
    PageGrant,
    RateLimit,
    allowed_host,
    static_page,
)
from kneekit.voila.kernels import GuardedKernelManager

BUSY_PAGE = static_page(
    "Busy, try again in a minute",
    "Too many people have this page open right now. This page will try again by itself in a "
    "minute; you can also reload it then.",
    "kneekit-busy",
    refresh_s=60,
)
BAD_LINK_PAGE = static_page("Link not valid", INVALID_LINK, "kneekit-invalid-link")

SHUTDOWN_COOKIE = PAGE_COOKIE + "-end"
"""The page key again, scoped to the page's shutdown beacon URL (a cookie has one path)."""

MESSAGES_BURST = 400
"""Messages one kernel connection may send at once: a page's start-up asks each widget for its
state (~100 on the client page), then a few per tap; room to spare for a slow network
delivering a minute's messages together."""
MESSAGES_PER_S = 20.0
"""Sustained messages per connection: a slider dragged sends ~10 a second; a flood thousands."""
MESSAGE_MAX_BYTES = 256 * 1024
"""Largest message a page may send its kernel: kneekit's widgets send numbers and short text
(a check-in note is at most a few KiB); the 4 MiB comm_open floods of finding 2 are refused."""
COMMS_PER_CONNECTION = 8
"""Comms a browser may open per connection: ipywidgets' page opens one (its control comm);
every widget comm comes from the kernel."""

_SECRET_IN_TEXT = re.compile(r"((?:token|share|_xsrf|password)=)[^&\s\"'#]+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the values of token, share, _xsrf and password parameters hidden.

    >>> redact("GET /logout?token=abc&x=1")
    'GET /logout?token=[hidden]&x=1'
    """
    return _SECRET_IN_TEXT.sub(r"\1[hidden]", text)


class PageHandler(TornadoVoilaHandler):  # type: ignore[misc]
    """Voilà's notebook page, refusing what it can before any kernel starts."""

    _grant: PageGrant | None = None
    _keyed = False

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        """Serve the page if the address, the link and the cap allow; otherwise a static page."""
        # Reading the token makes tornado set the ``_xsrf`` cookie on this response; the page's
        # shutdown beacon sends it back (voila issue #1458).
        _ = self.xsrf_token
        address = self.request.remote_ip or ""
        if not PAGE_LOADS.spend(address):
            self._static(429, TOO_MANY_TRIES, retry_after=60)
            return
        if self.notebook_path and path:  # client face: any path but "/" is not a page
            self._static(404, BAD_LINK_PAGE)
            return
        grant = PageGrant(client_id=None)
        if self.settings.get("kneekit_face") == "client" and self.notebook_path:
            if WRONG_TRIES.exhausted(address):
                self._static(429, TOO_MANY_TRIES, retry_after=60)
                return
            grant.client_id = self._client_id()
            if grant.client_id is None:
                WRONG_TRIES.spend(address)
                self._static(404, BAD_LINK_PAGE)
                return
        manager: GuardedKernelManager = self.kernel_manager
        if not manager.admit():
            self.log.warning(
                "Busy page sent: %d of %d kernels in use.", manager.in_use, manager.max_kernels
            )
            self._static(503, BUSY_PAGE, retry_after=60)
            return
        self._grant = grant
        reset = CURRENT_PAGE.set(grant)
        try:
            await super().get(path)
        finally:
            CURRENT_PAGE.reset(reset)
            manager.release()
            if grant.kernel_id:
                manager.page_served(grant.kernel_id)

    def _client_id(self) -> int | None:
        """The client whose share token this request carries, checked now; None if not valid."""
        token = share_token(self.request.query)
        if token is None:
            return None
        found = self.settings["kneekit_lookup"](token)
        return None if found is None else int(found)

    def flush(self, include_footers: bool = False) -> Any:
        """Before the page's first bytes go out, give the browser its page key."""
        grant = self._grant
        if grant is not None and grant.kernel_id and not self._keyed:
            self._keyed = True
            secure = self.request.protocol == "https"
            for name, path in (
                (PAGE_COOKIE, f"{self.base_url}api/kernels/{grant.kernel_id}"),
                (SHUTDOWN_COOKIE, f"{self.base_url}voila/api/shutdown/{grant.kernel_id}"),
            ):
                self.set_cookie(
                    name, grant.key, path=path, httponly=True, samesite="Strict", secure=secure
                )
        return super().flush(include_footers)

    def _static(self, status: int, body: str, *, retry_after: int | None = None) -> None:
        self.set_status(status)
        if retry_after:
            self.set_header("Retry-After", str(retry_after))
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(body)

    def _request_summary(self) -> str:
        return redact(super()._request_summary())


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
        self._rate = RateLimit(MESSAGES_BURST, MESSAGES_PER_S)
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
        if len(ws_message) > MESSAGE_MAX_BYTES:
            return "message too large"
        if not self._rate.spend("connection"):
            return "too many messages"
        if _msg_type(ws_message) == "comm_open":
            self._comms += 1
            if self._comms > COMMS_PER_CONNECTION:
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


class LogoutHandler(JupyterLogoutHandler):
    """Signs the physio out: clears the login cookie, asks the browser to drop this site's
    cookies, and says so in a static page (Jupyter's own page needs a template Voilà lacks)."""

    @allow_unauthenticated
    def get(self) -> None:
        """Sign out."""
        self.identity_provider.clear_login_cookie(self)
        self.set_header("Clear-Site-Data", '"cookies"')
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(SIGNED_OUT)


class KneekitIdentityProvider(VoilaIdentityProvider):  # type: ignore[misc]
    """Voilà's login by secret token, with wrong secrets counted per address, SameSite=Strict
    cookies (Secure too under TLS, as Jupyter decides from the request) and a working logout."""

    @default("cookie_options")
    def _default_cookie_options(self) -> dict[str, Any]:
        return {"samesite": "Strict"}

    @default("logout_handler_class")
    def _default_logout_handler_class(self) -> type:
        return LogoutHandler

    async def get_user_token(self, handler: tornado.web.RequestHandler) -> Any:
        """The user for a correct token; a wrong one spends one of the address's tries."""
        user = await super().get_user_token(handler)
        if user is None and self.token and self.get_token(handler):
            WRONG_TRIES.spend(handler.request.remote_ip or "")
        return user

    def process_login_form(self, handler: tornado.web.RequestHandler) -> Any:
        """The login form: a wrong secret spends a try."""
        user = super().process_login_form(handler)
        if user is None:
            WRONG_TRIES.spend(handler.request.remote_ip or "")
        return user


class StaticHandler(tornado.web.RequestHandler):
    """A fixed page with a fixed status, for requests refused before routing."""

    def initialize(self, status: int, body: str) -> None:
        """Keep the status and page to answer with."""
        self._answer = (status, body)

    def prepare(self) -> None:
        """Answer every method the same way."""
        status, body = self._answer
        self.set_status(status)
        if status == 429:
            self.set_header("Retry-After", "60")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(body)

    def _request_summary(self) -> str:
        return redact(super()._request_summary())


class GatedApplication(tornado.web.Application):
    """Tornado's application, refusing a wrong Host or an address out of tries before routing."""

    def find_handler(self, request: httputil.HTTPServerRequest, **kwargs: Any) -> Any:
        """Route the request, unless its Host or address is refused first."""
        if not allowed_host(request.host or "", self.settings.get("kneekit_hosts", frozenset())):
            return self.get_handler_delegate(
                request, StaticHandler, {"status": 421, "body": WRONG_HOST}
            )
        carries_secret = "token=" in (request.query or "") or request.path.endswith("/login")
        if carries_secret and WRONG_TRIES.exhausted(request.remote_ip or ""):
            return self.get_handler_delegate(
                request, StaticHandler, {"status": 429, "body": TOO_MANY_TRIES}
            )
        return super().find_handler(request, **kwargs)


class SecurityHeaders(tornado.web.OutputTransform):
    """Headers every response gets: a strict CSP, no Referer, no server banner, HSTS under TLS."""

    def __init__(self, request: httputil.HTTPServerRequest) -> None:
        super().__init__(request)
        self._https = request.protocol == "https"

    def transform_first_chunk(
        self, status_code: int, headers: httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, httputil.HTTPHeaders, bytes]:
        """Set the headers on the way out."""
        headers.pop("Server", None)
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Content-Type-Options"] = "nosniff"
        if self._https:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return status_code, headers, chunk


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        # Voilà's page puts its configuration and start-up code in inline scripts, and its
        # widget manager bundle compiles code with new Function (webpack's runtime, jQuery UI):
        # without these two the page stays blank. anywidget loads the player's face (shipped in
        # the package, sent by this server) as a module from a blob: URL. Every script still
        # comes from this server.
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        # ipywidgets and Lumino set style attributes on elements as they lay widgets out.
        "style-src 'self' 'unsafe-inline'",
        # Figures are PNGs in data: URLs; the player's sound is a data: or blob: audio.
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""As strict as Voilà allows: nothing from another origin, no plugins, no framing."""


def log_error(handler: tornado.web.RequestHandler) -> None:
    """Log a request that failed on the server (the busy page is logged where it is sent)."""
    status = handler.get_status()
    if status >= 500 and status != 503:
        log_request(handler, record_prometheus_metrics=False)


class Redacting(logging.Filter):
    """Hides secrets in every log line, and keeps errors to one line without a traceback.

    A traceback can quote a URL or a local variable; the physio's terminal needs to know that
    something failed and where, which the line says. (Bugs are reproduced from the tests.)
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; drop Voilà's "not trusted" note on every page load."""
        text = record.getMessage()
        if "is not trusted" in text:
            return False
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text = f"{text} ({type(error).__name__}: {error})"
        record.msg, record.args = redact(text), None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
