"""What a refused visitor gets: a small static page, sent one way, and the gate before routing.

Every refusal (a bad link, an address out of tries, a wrong Host, a full server) and the
signed-out page is a page with no script and no kernel, sent by :func:`send_static` with the
headers such a page needs: never cached, and a ``Retry-After`` when waiting will help.
:class:`GatedApplication` sends the refusals that need no route, before any handler runs.
"""

from __future__ import annotations

from typing import Any

import tornado.web
from tornado import httputil

from kneekit.sharing import INVALID_LINK
from kneekit.voila.guard import RateLimit, allowed_host
from kneekit.voila.logs import redact

_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;max-width:32em;margin:3em auto;padding:0 1em;"
    "font-size:1.25em;line-height:1.4;color:#222}</style>"
)

RETRY_AFTER_S = 60
"""What a refused visitor is told to wait (``Retry-After``) before trying again: the "too many
tries" and busy pages both say "a minute"."""


def static_page(title: str, text: str, css_class: str, *, refresh_s: int | None = None) -> str:
    """A small page with no script and no kernel: what a refused visitor gets."""
    refresh = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{refresh}<title>{title} — kneekit</title>{_STYLE}</head>"
        f'<body class="{css_class}"><h1>{title}</h1><p>{text}</p></body></html>\n'
    )


TOO_MANY_TRIES = static_page(
    "Too many tries",
    "This address has tried too many pages or links in a short time. Wait a minute, then "
    "open your link again. If this keeps happening, tell your physio.",
    "kneekit-too-many",
)
WRONG_HOST = static_page(
    "Wrong address",
    "This server does not answer to that address. Open the link exactly as your physio sent it.",
    "kneekit-wrong-host",
)
SIGNED_OUT = static_page(
    "Signed out",
    "You are signed out of the clinic. Open the clinic link again to sign back in.",
    "kneekit-signed-out",
)
BUSY_PAGE = static_page(
    "Busy, try again in a minute",
    "Too many people have this page open right now. This page will try again by itself in a "
    "minute; you can also reload it then.",
    "kneekit-busy",
    refresh_s=RETRY_AFTER_S,
)
BAD_LINK_PAGE = static_page("Link not valid", INVALID_LINK, "kneekit-invalid-link")


def send_static(
    handler: tornado.web.RequestHandler, status: int, page: str, *, retry: bool = False
) -> None:
    """Answer the request with ``page`` and ``status``, never cached; ``retry`` tells the
    browser to come back in a minute."""
    handler.set_status(status)
    if retry:
        handler.set_header("Retry-After", str(RETRY_AFTER_S))
    handler.set_header("Cache-Control", "no-store")
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.finish(page)


class StaticHandler(tornado.web.RequestHandler):
    """A fixed page with a fixed status, for requests refused before routing."""

    def initialize(self, status: int, page: str, retry: bool = False) -> None:
        """Keep the answer to send."""
        self._answer = (status, page, retry)

    def prepare(self) -> None:
        """Answer every method the same way."""
        status, page, retry = self._answer
        send_static(self, status, page, retry=retry)

    def _request_summary(self) -> str:
        return redact(super()._request_summary())


class GatedApplication(tornado.web.Application):
    """Tornado's application, refusing a wrong Host or an address out of tries before routing.

    Reads ``kneekit_hosts`` (the Host names to answer; all when empty) and ``kneekit_wrong_tries``
    (the app's :class:`~kneekit.voila.guard.RateLimit` of wrong secrets) from its settings.
    """

    def find_handler(self, request: httputil.HTTPServerRequest, **kwargs: Any) -> Any:
        """Route the request, unless its Host or address is refused first."""
        if not allowed_host(request.host or "", self.settings.get("kneekit_hosts", frozenset())):
            return self.get_handler_delegate(
                request, StaticHandler, {"status": 421, "page": WRONG_HOST}
            )
        wrong_tries: RateLimit = self.settings["kneekit_wrong_tries"]
        carries_secret = "token=" in (request.query or "") or request.path.endswith("/login")
        if carries_secret and wrong_tries.exhausted(request.remote_ip or ""):
            return self.get_handler_delegate(
                request, StaticHandler, {"status": 429, "page": TOO_MANY_TRIES, "retry": True}
            )
        return super().find_handler(request, **kwargs)
