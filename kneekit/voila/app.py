"""One face of ``kneekit serve``: Voilà 0.5 with kneekit's fixes, run as its own process.

``kneekit serve`` starts this module twice, once per face (``python -m kneekit.voila.app
SETTINGS.json``): the clinic (token-protected, the physio's notebooks) and the client page
(anonymous, one notebook, reached by share link). What it changes in Voilà, and why:

- **Closing a page frees its kernel.** Voilà's page sends a shutdown beacon on ``beforeunload``
  with the ``_xsrf`` value read from the ``_xsrf`` cookie, but Voilà never sets that cookie, so
  the server refuses the beacon (voila issue #1458) and the kernel lives on. The page handler
  here sets the cookie, so the beacon passes the XSRF check as designed; no protection is off.
- **A cap with a busy page.** Pages are admitted by :class:`~kneekit.voila.kernels.
  GuardedKernelManager`; over the cap a visitor gets a plain "busy" page (HTTP 503, retried by the
  page itself after a minute) while the server keeps answering.
- **The query-string socket of preheated kernels answers only this machine.** A preheated kernel
  fetches its page's query string (the share token) from ``/voila/query/<kernel>``; only the
  kernels, which run here, need it.
- **Quiet, secret-free logs.** The terminal shows server errors only (not every refused probe),
  through Jupyter's request logger, which scrubs the clinic token and here the share token too.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_core.utils import run_sync
from jupyter_server.log import log_request
from traitlets import default
from traitlets.config import Config
from voila import __version__ as voila_version
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from kneekit.voila.access import SECRET_ENV, SHARE_PARAM
from kneekit.voila.kernels import GuardedKernelManager

JUPYTER_ROOT = Path(__file__).parent / "jupyter"
"""Put first on ``JUPYTER_PATH``: holds the ``kneekit`` Voilà template (offline, no CDN)."""

BUSY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>Busy — kneekit</title>
<style>body{font-family:system-ui,sans-serif;max-width:32em;margin:3em auto;padding:0 1em;
font-size:1.25em;line-height:1.4;color:#222}</style></head>
<body class="kneekit-busy"><h1>Busy, try again in a minute</h1>
<p>Too many people have this page open right now. This page will try again by itself in a
minute; you can also reload it then.</p></body></html>
"""


class PageHandler(TornadoVoilaHandler):  # type: ignore[misc]
    """Voilà's notebook page, with the XSRF cookie its shutdown beacon needs and a kernel cap."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        """Serve the page if a kernel may start; otherwise the busy page."""
        # Reading the token makes tornado set the ``_xsrf`` cookie on this response; the page's
        # shutdown beacon sends it back (see the module docstring, voila issue #1458).
        _ = self.xsrf_token
        manager: GuardedKernelManager = self.kernel_manager
        if self.notebook_path and path:  # single-notebook face: Voilà redirects, no kernel
            await super().get(path)
            return
        if not manager.admit():
            self.log.warning(
                "Busy page sent: %d of %d kernels in use.", manager.in_use, manager.max_kernels
            )
            self.set_status(503)
            self.set_header("Retry-After", "60")
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(BUSY_PAGE)
            return
        try:
            await super().get(path)
        finally:
            manager.release()

    def _request_summary(self) -> str:
        # tornado logs errors with the full URI; the query may hold a share token.
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"


class LocalRequestInfoHandler(RequestInfoSocketHandler):  # type: ignore[misc]
    """Voilà's query-string socket for preheated kernels, refused to anyone not on this machine."""

    def prepare(self) -> None:
        """Refuse remote callers: only kernels, which run on this machine, use this socket."""
        if not ipaddress.ip_address(self.request.remote_ip or "0.0.0.0").is_loopback:
            raise tornado.web.HTTPError(403)


class KneekitVoila(Voila):  # type: ignore[misc]
    """Voilà with kneekit's page handler, query socket, kernel manager and request logger."""

    @default("tornado_settings")
    def _default_tornado_settings(self) -> dict[str, Any]:
        return {"log_function": _log_error, "extra_log_scrub_param_keys": [SHARE_PARAM]}

    def stop(self) -> None:
        """Shut the kernels down, then remove their connection folder.

        Voilà removes the folder first; with IPC transport the kernels' sockets are in it, so
        their shutdown requests could no longer reach them.
        """
        run_sync(self.kernel_manager.shutdown_all)()
        shutil.rmtree(self.connection_dir, ignore_errors=True)

    def init_handlers(self) -> list[tuple[Any, ...]]:
        """Voilà's routes, with kneekit's handlers swapped in for the page and query socket."""
        return swap_handlers(super().init_handlers(), self.voila_configuration.preheat_kernel)


TESTED_VOILA = "0.5"
"""The Voilà minor release whose handlers kneekit replaces by name (pinned in pyproject.toml)."""


class VoilaMismatchError(RuntimeError):
    """This Voilà does not route to the handlers kneekit replaces: it is not the tested release."""


def swap_handlers(routes: list[tuple[Any, ...]], preheat: bool) -> list[tuple[Any, ...]]:
    """``routes`` with kneekit's page handler and local-only query socket in place of Voilà's.

    Raises VoilaMismatchError if either replacement found nothing to replace (the query socket
    exists only with preheated kernels): a Voilà that renamed a handler would otherwise run
    without the kernel cap or with the share-token socket open to everyone.
    """
    swap = {TornadoVoilaHandler: PageHandler, RequestInfoSocketHandler: LocalRequestInfoHandler}
    swapped = [(pattern, swap.get(handler, handler), *rest) for pattern, handler, *rest in routes]
    used = {handler for _, handler, *_ in swapped}
    wanted = {PageHandler: "its cap on kernels"}
    if preheat:
        wanted[LocalRequestInfoHandler] = "its local-only query socket"
    missing = [what for handler, what in wanted.items() if handler not in used]
    if missing:
        raise VoilaMismatchError(
            f"the installed Voilà {voila_version} is not the release kneekit is tested with "
            f"({TESTED_VOILA}), and kneekit could not put in {' and '.join(missing)}, so it "
            f"will not serve. Install the tested release: pip install 'voila=={TESTED_VOILA}.*'"
        )
    return swapped


def _log_error(handler: tornado.web.RequestHandler) -> None:
    """Log a request that failed on the server; the busy page (503) is logged where it is sent."""
    status = handler.get_status()
    if status >= 500 and status != 503:
        log_request(handler, record_prometheus_metrics=False)


class _Untrusted(logging.Filter):
    """Drops "Notebook ... is not trusted", logged on every page load: the shipped notebooks have
    no stored outputs to trust, and Voilà runs them anyway."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "is not trusted" not in str(record.msg)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one face until SIGTERM; ``argv`` is the path of its settings file (JSON).

    The settings hold ``face`` ("clinic" or "client"), ``target`` (the folder or notebook to
    serve) and ``config`` (traitlets configuration), as written by
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
    app = KneekitVoila(config=config)
    app.log.addFilter(_Untrusted())
    # Refused probes (403/404) and a note on websocket pings would otherwise fill the terminal;
    # uncaught errors are logged on "tornado.application" and still show.
    logging.getLogger("tornado.general").setLevel(logging.ERROR)
    app.initialize([settings["target"]])
    try:
        app.start()
    except VoilaMismatchError as error:
        print(f"kneekit: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
