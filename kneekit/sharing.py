"""Share links: how a client's link is written, and how the client page finds its client.

A client's page is health data, so the page never trusts the browser to say whose page it is: the
link carries a random share token, the kernel reads it from the query string Voilà hands it, and
:meth:`kneekit.records.store.Store.client_for_share` turns it into a client, or into nothing.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from kneekit.errors import StoreError

if TYPE_CHECKING:
    from kneekit.history import Client
    from kneekit.records.store import Store

SHARE_PARAM = "share"
"""The query parameter of a client link: ``http://host:port/?share=<token>``.

Not ``token``: on the clinic face ``token`` is Jupyter's login secret, and keeping the two apart
means a share link can never be mistaken for, or logged as, a clinic login.
"""

TOKEN_MAX_CHARS = 200
"""Far above a real token (43 characters); longer is refused before it reaches the store."""

SECRET_ENV = "KNEEKIT_CLINIC_SECRET"
"""The clinic secret, when set in the environment, instead of the one kept beside the database.

It also carries the secret from ``kneekit serve`` to the clinic server: the environment is
private to the user, while any local user can read a command line with ``ps``. Neither the
client server nor any kernel is given it.
"""

PAGE_CLIENT_ENV = "KNEEKIT_PAGE_CLIENT"
"""The client a page's kernel serves, set by the server after it checked the page's share token.

The kernel is given this id, not the token: a process's environment is readable by any process of
the same user, and a token there would outlive the page (issue #14, finding 5).
"""

INVALID_LINK = "This link is not valid — ask your physio for a new one."
"""What a missing, wrong, expired or revoked link shows (wording from issue #5)."""


def share_link(base_url: str, token: str) -> str:
    """The link a physio sends: ``base_url`` with the share token as its only query.

    >>> share_link("http://192.168.1.20:8867", "abc")
    'http://192.168.1.20:8867/?share=abc'
    """
    parts = urlsplit(base_url.strip())
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode({SHARE_PARAM: token}), ""))


def share_token(query: str | None) -> str | None:
    """The share token in a query string, or None when there is not exactly one usable token.

    Two ``share`` values are refused rather than guessed between: a link a physio sent has one.
    """
    if not query or len(query) > 4 * TOKEN_MAX_CHARS:
        return None
    values = parse_qs(query.lstrip("?"), keep_blank_values=True).get(SHARE_PARAM, [])
    if len(values) != 1:
        return None
    token = values[0].strip()
    return token if 0 < len(token) <= TOKEN_MAX_CHARS else None


def page_query() -> str | None:
    """The query string of the page this kernel serves, or None outside Voilà.

    Voilà puts it in a kernel's ``QUERY_STRING``; ``kneekit serve`` drops that from its
    kernels' environment (the token stays out of them) and names the client it checked instead.
    """
    return os.environ.get("QUERY_STRING")


def client_from_query(store: Store, now: datetime, query: str | None = None) -> Client | None:
    """The client whose page this is, from the share token in the page's query string.

    Parameters
    ----------
    store : Store
        The clinic database.
    now : datetime
        The current time (timezone-aware), to tell an expired link from a live one.
    query : str, optional
        The query string; by default the one Voilà gave this kernel (:func:`page_query`).

    Returns
    -------
    Client or None
        None for a missing, malformed, unknown, expired or revoked token: the page then shows
        :data:`INVALID_LINK` and nothing else, whichever of these it was.

    Notes
    -----
    Under ``kneekit serve`` the server checks the token before the kernel starts and gives the
    kernel the client's id in :data:`PAGE_CLIENT_ENV` instead; that id is used when no query is
    passed.
    """
    granted = os.environ.get(PAGE_CLIENT_ENV, "") if query is None else ""
    if granted.isdigit():
        try:
            return store.client(int(granted))
        except StoreError:  # deleted since the page was served
            return None
    token = share_token(page_query() if query is None else query)
    return None if token is None else store.shares.client_for(token, now)
