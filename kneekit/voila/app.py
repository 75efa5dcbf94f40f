"""One face of ``kneekit serve``: Voilà 0.5 with kneekit's fixes, run as its own process.

``kneekit serve`` starts this module twice, once per face (``python -m kneekit.voila.app
SETTINGS.json``): the clinic (token-protected, the physio's notebooks) and the client page
(anonymous, one notebook, reached by share link). What it changes in Voilà, and why:

- **Closing a page frees its kernel.** Voilà's page sends a shutdown beacon on ``beforeunload``
  with the ``_xsrf`` value read from the ``_xsrf`` cookie, but Voilà never sets that cookie, so
  the server refuses the beacon (voila issue #1458) and the kernel lives on. The page handler
  sets the cookie, so the beacon passes the XSRF check as designed; no protection is off.
- **Refused before a kernel starts** (:mod:`kneekit.voila.handlers`, :mod:`kneekit.voila.guard`):
  a bad share link, an address out of tries, a wrong Host, a full server each get a static page.
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
from traitlets import default
from traitlets.config import Config
from voila import __version__ as voila_version
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from kneekit.sharing import SECRET_ENV, SHARE_PARAM
from kneekit.voila.handlers import (
    MESSAGE_MAX_BYTES,
    BoundKernelHandler,
    BoundKernelWebsocketHandler,
    BoundShutdownHandler,
    GatedApplication,
    KneekitIdentityProvider,
    PageHandler,
    Redacting,
    SecurityHeaders,
    log_error,
)

JUPYTER_ROOT = Path(__file__).parent / "jupyter"
"""Put first on ``JUPYTER_PATH``: holds the ``kneekit`` Voilà template (offline, no CDN)."""

SWAPPED: dict[type, type] = {
    TornadoVoilaHandler: PageHandler,
    VoilaKernelWebsocketHandler: BoundKernelWebsocketHandler,
    KernelHandler: BoundKernelHandler,
    VoilaShutdownKernelHandler: BoundShutdownHandler,
}
"""Voilà's handlers and kneekit's replacements (see :mod:`kneekit.voila.handlers`)."""


class KneekitVoila(Voila):  # type: ignore[misc]
    """Voilà with kneekit's handlers, kernel manager, request logger, TLS and gate."""

    face = "clinic"
    hosts: frozenset[str] = frozenset()
    certfile = ""
    keyfile = ""
    lookup: Callable[[str], int | None] = staticmethod(lambda token: None)

    @default("identity_provider_class")
    def _default_identity_provider_class(self) -> type:
        return KneekitIdentityProvider

    @default("tornado_settings")
    def _default_tornado_settings(self) -> dict[str, Any]:
        tls = bool(self.certfile)
        return {
            "log_function": log_error,
            "extra_log_scrub_param_keys": [SHARE_PARAM],
            "xsrf_cookie_kwargs": {"samesite": "Strict", "secure": tls, "httponly": False},
            "websocket_max_message_size": MESSAGE_MAX_BYTES,
            "kneekit_face": self.face,
            "kneekit_hosts": self.hosts,
            "kneekit_lookup": self.lookup,
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
    """The client id for a share token, checked in the server before a kernel starts."""
    from kneekit.records.store import Store

    store = Store.open()  # $KNEEKIT_DB, as the kernels open it

    def lookup(token: str) -> int | None:
        client = store.shares.client_for(token, datetime.now(UTC))
        return None if client is None else client.id

    return lookup


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run one face until SIGTERM; ``argv`` is the path of its settings file (JSON).

    The settings hold ``face`` ("clinic" or "client"), ``target`` (the folder or notebook to
    serve), ``hosts`` (the Host names to answer), ``tls`` (certificate and key files, or none)
    and ``config`` (traitlets configuration), as written by
    :func:`kneekit.voila.faces.face_settings`.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    settings = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(JUPYTER_ROOT), os.environ.get("JUPYTER_PATH", "")) if p
    )
    secret = os.environ.pop(SECRET_ENV, "")  # before any kernel inherits the environment
    config = Config(settings["config"])
    if settings["face"] == "clinic":
        if not secret:
            print(f"kneekit: the clinic face needs {SECRET_ENV} set.", file=sys.stderr)
            return 2
        config.Voila.token = secret
    KneekitVoila.face = settings["face"]
    KneekitVoila.hosts = frozenset(settings.get("hosts", ()))
    KneekitVoila.certfile, KneekitVoila.keyfile = settings.get("tls") or ("", "")
    if settings["face"] == "client":
        KneekitVoila.lookup = staticmethod(_share_lookup())
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
