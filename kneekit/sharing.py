"""A share link's whole life: made with an expiry, written with the address the client pages are
served at, warned about when only this computer can open it, put on a handout, checked when the
page opens, and carried to the page's kernel as a grant.

A client's page is health data, so the page never trusts the browser to say whose page it is: the
link carries a random share token that the server checks before any kernel starts
(:mod:`kneekit.voila`); the kernel is then given the client's id (:data:`PAGE_CLIENT_ENV`), never
the token, and :func:`client_from_query` turns the grant (or, outside ``kneekit serve``, the
token in the query string through :meth:`kneekit.records.shares.ShareLinks.client_for`) into a
client, or into nothing.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from kneekit.config import sidecar, today
from kneekit.errors import StoreError

if TYPE_CHECKING:
    from kneekit.history import Client
    from kneekit.records.store import Store
    from kneekit.routines.routine import Routine

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

SHARE_DAYS = 90
"""How long a new share link stays valid unless told: about a block of coaching (12 weeks)."""

CLIENTS_URL_ENV = "KNEEKIT_CLIENTS_URL"
"""The client pages' public address, where something other than ``kneekit serve`` serves them
(``kneekit hub init --public-url`` puts it in every physio's server)."""

LOCAL_CLIENTS_URL = "http://127.0.0.1:8867/"
"""Where ``kneekit serve`` puts the client pages on this computer when nothing says otherwise:
Voilà's default port (8866, the clinic's) plus one (:data:`kneekit.voila.serve.DEFAULT_PORT`)."""

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


def served_clients_url(db: str) -> str:
    """The client pages' public address (:data:`CLIENTS_URL_ENV`), else that of a running
    ``kneekit serve`` on this database (the ``.serving`` file it keeps beside it), else
    :data:`LOCAL_CLIENTS_URL`: what ``kneekit share`` and the handouts put in links."""
    if os.environ.get(CLIENTS_URL_ENV, "").strip():
        return os.environ[CLIENTS_URL_ENV].strip()
    try:
        return str(json.loads(sidecar(db, ".serving").read_text(encoding="utf-8"))["clients"])
    except (OSError, ValueError, KeyError):
        return LOCAL_CLIENTS_URL


def local_only(link: str) -> bool:
    """Whether ``link`` points at this computer only (a phone would find nothing there)."""
    return urlsplit(link).hostname in ("127.0.0.1", "localhost", "::1")


def local_only_note(what: str = "this link") -> str:
    """Why a link on this computer only will not open on the client's phone, and what to do."""
    return (
        f"Note: {what} opens on this computer only; a phone cannot open 127.0.0.1. To serve on "
        "the clinic's network, run `kneekit serve --host 0.0.0.0` and make a new link (it then "
        "uses this computer's network address)."
    )


@dataclass(frozen=True)
class NewLink:
    """A share link just made: the address to send, and the last day it opens."""

    url: str
    until: date

    @property
    def local_only(self) -> bool:
        return local_only(self.url)


def new_link(
    store: Store, client_id: int, now: datetime, base_url: str, days: int = SHARE_DAYS
) -> NewLink:
    """Make a share link for a client, valid ``days`` from ``now``, at ``base_url``."""
    token = store.shares.create(client_id, now, timedelta(days=days))
    return NewLink(share_link(base_url, token), (now + timedelta(days=days)).date())


@dataclass(frozen=True)
class Handout:
    """A client's handout as written: the PDF, whose it is, the routine on it, and the new link
    in its QR code."""

    path: Path
    name: str
    routine: Routine
    link: NewLink


def write_handout(
    store: Store, client_id: int, now: datetime, base_url: str, path: Path
) -> Handout:
    """Write the client's current routine on A4 with a QR code of a new share link to their page:
    what ``kneekit handout`` and the clinic's handout button both do."""
    from kneekit.paper.handout import write_handout as write_pdf  # matplotlib only when asked

    client = store.client(client_id)
    _, routine = store.routine_on(client_id, today(now))
    link = new_link(store, client_id, now, base_url)
    return Handout(
        write_pdf(routine, client.name, link.url, Path(path)), client.name, routine, link
    )


def handout_pdf(
    store: Store, client_id: int, now: datetime, base_url: str
) -> tuple[str, bytes, NewLink]:
    """The client's handout as a download: a file name, the PDF's bytes, and its new link."""
    with tempfile.TemporaryDirectory(prefix="kneekit-handout-") as folder:
        made = write_handout(store, client_id, now, base_url, Path(folder) / "handout.pdf")
        data = made.path.read_bytes()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", made.name).strip("-") or "client"
    return f"handout-{slug}.pdf", data, made.link
