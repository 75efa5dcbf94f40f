"""A client's own page, reached by the share link a physio sends.

Whose page it is comes only from the share token, checked on the server; the page holds no widget
whose value could pick another client (no client chooser, no hidden id), because a browser can set
any widget's value over the websocket.
"""

from __future__ import annotations

import html

import ipywidgets as w

from kneekit.access import INVALID_LINK, client_from_query
from kneekit.session import Clock, SystemClock
from kneekit.store import Store
from kneekit.widgets.checkin import CheckInForm
from kneekit.widgets.common import message
from kneekit.widgets.player import SessionPlayer
from kneekit.widgets.trends import TrendsView


def client_page(
    store: Store | None = None, clock: Clock | None = None, query: str | None = None
) -> w.Widget:
    """The page for the client named by the share link, or a short notice if the link is not valid.

    ``query`` defaults to the query string Voilà gives this kernel.
    """
    clock = clock or SystemClock()
    store = store or Store.open()
    client = client_from_query(store, clock.now(), query)
    if client is None:
        notice = w.HTML(message("info", INVALID_LINK))
        notice.add_class("kneekit-invalid-link")
        return notice
    tabs = w.Tab(
        [
            SessionPlayer(store, clock, client=client),
            CheckInForm(store, clock, client=client, context="next-morning"),
            TrendsView(store, clock, client=client),
        ],
        titles=("Stretch", "Check in", "My progress"),
    )
    title = w.HTML(f"<h2 class='kneekit-client-name'>Hello, {html.escape(client.name)}</h2>")
    return w.VBox([title, tabs], layout=w.Layout(max_width="60em"))
