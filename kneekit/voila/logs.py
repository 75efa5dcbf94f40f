"""What a kneekit face writes to the physio's terminal: one line per event, never a secret.

Share tokens, the clinic secret and XSRF values travel in URLs and forms, and Tornado, Jupyter
and Voilà quote URLs in their log lines and tracebacks; every line goes through
:class:`Redacting` (installed by :mod:`kneekit.voila.app`) and every request summary through
:func:`redact`.
"""

from __future__ import annotations

import logging
import re

import tornado.web
from jupyter_server.log import log_request

_SECRET_IN_TEXT = re.compile(r"((?:token|share|_xsrf|password)=)[^&\s\"'#]+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the values of token, share, _xsrf and password parameters hidden.

    >>> redact("GET /logout?token=abc&x=1")
    'GET /logout?token=[hidden]&x=1'
    """
    return _SECRET_IN_TEXT.sub(r"\1[hidden]", text)


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
