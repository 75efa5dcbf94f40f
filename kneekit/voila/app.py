"""One face of ``kneekit serve``: Voilà 0.5 with kneekit's fixes, run as its own process.

``kneekit serve`` starts this module twice, once per face (``python -m kneekit.voila.app
SETTINGS.json``): the clinic (token-protected, the physio's notebooks) and the client page
(anonymous, one notebook, reached by share link). What it changes in Voilà, and why:

- **Closing a page frees its kernel.** Voilà's page sends a shutdown beacon on ``beforeunload``
  with the ``_xsrf`` value read from the ``_xsrf`` cookie, but Voilà never sets that cookie, so
  the server refuses the beacon (voila issue #1458) and the kernel lives on. The page handler
  sets the cookie, so the beacon passes the XSRF check as designed; no protection is off.
- **Refused before a kernel starts** (:mod:`kneekit.voila.pages`, :mod:`kneekit.voila.answers`,
  :mod:`kneekit.voila.guard`): a bad share link, an address out of tries, a wrong Host, a full
  server each get a static page. The limits are traits of :class:`KneekitVoila`.
- **Kernels belong to their page**: only the browser holding the page's key may open, delete or
  shut down its kernel; kernels hold no token, URL or secret in their environment. The client
  face keeps no preheated kernel, so Voilà's query-string socket (which handed a preheated
  kernel's next visitor's token to whoever asked first) is not served at all.
- **Secret-free, one-line logs**, TLS when given a certificate, no server banner.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import ssl
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tornado.ioloop
import tornado.web
from jupyter_core.utils import run_sync
from jupyter_server.services.kernels.handlers import KernelHandler
from traitlets import Callable as CallableTrait
from traitlets import Enum, Float, Integer, List, Unicode, default
from traitlets.config import Config
from voila import __version__ as voila_version
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from kneekit.sharing import SECRET_ENV, SHARE_PARAM
from kneekit.voila.answers import GatedApplication
from kneekit.voila.faces import FACES
from kneekit.voila.guard import RateLimit
from kneekit.voila.headers import SecurityHeaders
from kneekit.voila.kernel_routes import (
    BoundKernelHandler,
    BoundKernelWebsocketHandler,
    BoundShutdownHandler,
)
from kneekit.voila.logs import Redacting, log_error
from kneekit.voila.pages import PageHandler
from kneekit.voila.signin import KneekitIdentityProvider

JUPYTER_ROOT = Path(__file__).parent / "jupyter"
"""Put first on ``JUPYTER_PATH``: holds the ``kneekit`` Voilà template (offline, no CDN)."""

SWAPPED: dict[type, type] = {
    TornadoVoilaHandler: PageHandler,
    VoilaKernelWebsocketHandler: BoundKernelWebsocketHandler,
    KernelHandler: BoundKernelHandler,
    VoilaShutdownKernelHandler: BoundShutdownHandler,
}
"""Voilà's handlers and kneekit's replacements (see :mod:`kneekit.voila.pages` and
:mod:`kneekit.voila.kernel_routes`)."""


class KneekitVoila(Voila):  # type: ignore[misc]
    """Voilà with kneekit's handlers, kernel manager, request logger, TLS, gate and limits.

    Everything kneekit adds is a trait, set by configuration (``kneekit serve`` writes it, see
    :func:`main`), and reaches the handlers through the Tornado settings (``kneekit_*``), with
    the per-address limiters built per app.
    """

    face = Enum(
        list(FACES),
        "clinic",
        help="""Which face this server is: the physio's "clinic" (behind the secret token) or the
        "client" page (anonymous, one notebook, reached by share link).""",
    ).tag(config=True)
    hosts = List(
        Unicode(),
        help="""Host names this server answers; every other Host gets the "wrong address" page.
        Empty: any name. DNS rebinding would otherwise let any web page spend kernels through a
        visitor's browser.""",
    ).tag(config=True)
    certfile = Unicode("", help="The TLS certificate file; empty: plain HTTP.").tag(config=True)
    keyfile = Unicode("", help="The TLS key file, when not in the certificate file.").tag(
        config=True
    )
    share_lookup = CallableTrait(
        help="""The client id for a share token, checked in the server before a kernel starts;
        None when the token is not valid. Default: the clinic database's shares ($KNEEKIT_DB,
        as the kernels open it) on the client face; none on the clinic, which takes no links."""
    )

    page_loads_burst = Integer(
        30,
        help="""Page loads one address may make at once. A clinic's phones can share one public
        address behind a router; 30 is ten times a room of three runners reloading, far below a
        flood.""",
    ).tag(config=True)
    page_loads_per_s = Float(
        0.5,
        help="""Sustained page loads per address after the burst: one every two seconds (a person
        reloads a page at most every few seconds; a script hundreds of times a second).""",
    ).tag(config=True)
    wrong_tries_burst = Integer(
        10,
        help="""Wrong share tokens or clinic secrets one address may send before being slowed:
        enough for a mistyped secret and a few stale links, useless for guessing a 192-bit
        secret.""",
    ).tag(config=True)
    wrong_tries_per_s = Float(
        1 / 30,
        help="""Wrong tries per address after the burst: one every 30 s, as login forms commonly
        allow.""",
    ).tag(config=True)
    messages_burst = Integer(
        400,
        help="""Messages one kernel connection may send at once: a page's start-up asks each
        widget for its state (~100 on the client page), then a few per tap; room to spare for a
        slow network delivering a minute's messages together.""",
    ).tag(config=True)
    messages_per_s = Float(
        20.0,
        help="""Sustained messages per kernel connection: a slider dragged sends ~10 a second; a
        flood thousands.""",
    ).tag(config=True)
    message_max_bytes = Integer(
        256 * 1024,
        help="""Largest message a page may send its kernel: kneekit's widgets send numbers and
        short text (a check-in note is at most a few KiB); the 4 MiB comm_open floods of issue
        #14, finding 2 are refused.""",
    ).tag(config=True)
    comms_per_connection = Integer(
        8,
        help="""Comms a browser may open per kernel connection: ipywidgets' page opens one (its
        control comm); every widget comm comes from the kernel.""",
    ).tag(config=True)

    @default("share_lookup")
    def _default_share_lookup(self) -> Callable[[str], int | None]:
        return _share_lookup() if self.face == "client" else _no_share

    @default("identity_provider_class")
    def _default_identity_provider_class(self) -> type:
        return KneekitIdentityProvider

    @default("tornado_settings")
    def _default_tornado_settings(self) -> dict[str, Any]:
        return {
            "log_function": log_error,
            "extra_log_scrub_param_keys": [SHARE_PARAM],
            "xsrf_cookie_kwargs": {
                "samesite": "Strict",
                "secure": bool(self.certfile),
                "httponly": False,
            },
        }

    def kneekit_settings(self) -> dict[str, Any]:
        """What kneekit's handlers read from the Tornado settings, with this app's own
        per-address limiters (applied after ``tornado_settings``, which cannot drop them)."""
        return {
            "websocket_max_message_size": self.message_max_bytes,
            "kneekit_face": self.face,
            "kneekit_hosts": frozenset(self.hosts),
            "kneekit_lookup": self.share_lookup,
            "kneekit_page_loads": RateLimit(self.page_loads_burst, self.page_loads_per_s),
            "kneekit_wrong_tries": RateLimit(self.wrong_tries_burst, self.wrong_tries_per_s),
            "kneekit_messages_burst": self.messages_burst,
            "kneekit_messages_per_s": self.messages_per_s,
            "kneekit_message_max_bytes": self.message_max_bytes,
            "kneekit_comms_per_connection": self.comms_per_connection,
        }

    def stop(self) -> None:
        """Shut the kernels down, then remove their connection folder.

        Voilà removes the folder first; with IPC transport the kernels' sockets are in it, so
        their shutdown requests could no longer reach them.
        """
        run_sync(self.kernel_manager.shutdown_all)()
        shutil.rmtree(self.connection_dir, ignore_errors=True)

    def init_handlers(self) -> list[tuple[Any, ...]]:
        """Voilà's routes, with kneekit's handlers swapped in (see :data:`SWAPPED`)."""
        return swap_handlers(super().init_handlers())

    def start(self) -> None:
        """Voilà's start, with :class:`GatedApplication` and the security headers."""
        import tempfile

        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        settings = self.init_settings()
        self.app = GatedApplication(transforms=[SecurityHeaders], **settings)
        self.app.settings.update(self.tornado_settings)
        self.app.settings.update(self.kneekit_settings())
        self.app.add_handlers(".*$", self.init_handlers())
        self.listen()

    def listen(self) -> None:
        """Listen on the one port given, over TLS when given a certificate; run until stopped."""
        context = None
        if self.certfile:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certfile, self.keyfile or None)
        # max_buffer_size: no request to kneekit carries more than a login form.
        self.app.listen(self.port, self.ip, ssl_options=context, max_body_size=64 * 1024)
        self.ioloop = tornado.ioloop.IOLoop.current()
        try:
            self.ioloop.start()
        except KeyboardInterrupt:
            self.log.info("Stopping...")
        finally:
            self.stop()


TESTED_VOILA = "0.5"
"""The Voilà minor release whose handlers kneekit replaces by name (pinned in pyproject.toml)."""


class VoilaMismatchError(RuntimeError):
    """This Voilà does not route to the handlers kneekit replaces: it is not the tested release."""


def swap_handlers(routes: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``routes`` with kneekit's handlers (:data:`SWAPPED`) in place of Voilà's.

    Raises VoilaMismatchError if a replacement found nothing to replace: a Voilà that renamed a
    handler would otherwise run without the kernel cap or with kernels any page could open.
    Raises it too if Voilà routes its query-string socket, which it does only for preheated
    kernels: that socket hands a visitor's share token to whoever asks first, and no face
    preheats (:func:`kneekit.voila.faces.face_settings`).
    """
    swapped = [(pattern, SWAPPED.get(h, h), *rest) for pattern, h, *rest in routes]
    used = {handler for _, handler, *_ in swapped}
    wanted: dict[type, str] = {
        PageHandler: "its cap on kernels",
        BoundKernelWebsocketHandler: "kernels bound to their page",
        BoundShutdownHandler: "kernel shutdown only from its page",
    }
    missing = [what for handler, what in wanted.items() if handler not in used]
    if RequestInfoSocketHandler in used:
        missing.append("a page without preheated kernels")
    if missing:
        raise VoilaMismatchError(
            f"the installed Voilà {voila_version} is not the release kneekit is tested with "
            f"({TESTED_VOILA}), and kneekit could not put in {' and '.join(missing)}, so it "
            f"will not serve. Install the tested release: pip install 'voila=={TESTED_VOILA}.*'"
        )
    return swapped


def _share_lookup() -> Callable[[str], int | None]:
    """The client id for a share token, from the shares of the clinic database."""
    from kneekit.records.store import Store

    store = Store.open()  # $KNEEKIT_DB, as the kernels open it

    def lookup(token: str) -> int | None:
        client = store.shares.client_for(token, datetime.now(UTC))
        return None if client is None else client.id

    return lookup


def _no_share(token: str) -> int | None:
    """The clinic face takes no share links."""
    return None


def _quiet_and_redacted(app: KneekitVoila) -> None:
    """Every log line through :class:`Redacting`; refused probes and pings not logged."""
    redacting = Redacting()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for logger in (root, app.log, logging.getLogger("tornado.application")):
        logger.addFilter(redacting)
        for handler in logger.handlers:
            handler.addFilter(redacting)
    # Refused probes (403/404) and a note on websocket pings would otherwise fill the terminal.
    logging.getLogger("tornado.general").setLevel(logging.ERROR)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)


def face_config(settings: dict[str, Any]) -> Config:
    """The traitlets configuration of one face from its settings (JSON, as written by
    :func:`kneekit.voila.faces.face_settings`).

    The settings hold ``face`` ("clinic" or "client"), ``hosts`` (the Host names to answer),
    ``tls`` (certificate and key files, or none) and ``config``; the first three become
    :class:`KneekitVoila`'s configuration beside ``config``, which may also set its limits.
    """
    config = Config(settings["config"])
    ours = config.KneekitVoila
    ours.face, ours.hosts = settings["face"], list(settings.get("hosts", ()))
    ours.certfile, ours.keyfile = settings.get("tls") or ("", "")
    return config


def main(argv: Sequence[str] | None = None) -> int:
    """Run one face until SIGTERM; ``argv`` is the path of its settings file (JSON), which
    names the folder or notebook to serve (``target``) and configures the app
    (:func:`face_config`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    settings = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(JUPYTER_ROOT), os.environ.get("JUPYTER_PATH", "")) if p
    )
    secret = os.environ.pop(SECRET_ENV, "")  # before any kernel inherits the environment
    config = face_config(settings)
    if settings["face"] == "clinic":
        if not secret:
            print(f"kneekit: the clinic face needs {SECRET_ENV} set.", file=sys.stderr)
            return 2
        config.Voila.token = secret
    app = KneekitVoila(config=config)
    _quiet_and_redacted(app)
    app.initialize([settings["target"]])
    try:
        app.start()
    except VoilaMismatchError as error:
        print(f"kneekit: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
