"""A client's own page, reached by the share link a physio sends.

Whose page it is comes only from the share token, checked on the server; the page holds no widget
whose value could pick another client (no client chooser, no hidden id), because a browser can set
any widget's value over the websocket.
"""

from __future__ import annotations

import html

import ipywidgets as w

from kneekit.records.store import Store
from kneekit.session import Clock, SystemClock
from kneekit.voila.access import INVALID_LINK, client_from_query
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
    progress = w.VBox([w.HTML(message("info", "Drawing your progress…"))])
    tabs = w.Tab(
        [
            SessionPlayer(store, clock, client=client),
            CheckInForm(store, clock, client=client, context="next-morning"),
            progress,
        ],
        titles=("Stretch", "Check in", "My progress"),
    )

    def draw_progress(change: dict[str, object]) -> None:
        # Figures are drawn when first asked for: they are most of the page's start-up time
        # and memory (kneekit bench), and a client opening the page wants the player first.
        if change["new"] == 2 and not isinstance(progress.children[0], TrendsView):
            progress.children = (TrendsView(store, clock, client=client),)

    tabs.observe(draw_progress, "selected_index")
    title = w.HTML(f"<h2 class='kneekit-client-name'>Hello, {html.escape(client.name)}</h2>")
    return w.VBox([title, tabs], layout=w.Layout(max_width="60em"))
