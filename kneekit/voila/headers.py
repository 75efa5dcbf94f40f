"""The headers every response of a kneekit face carries: a strict CSP, no Referer, no banner."""

from __future__ import annotations

import tornado.web
from tornado import httputil

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
