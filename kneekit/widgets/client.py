"""A client's own page, reached by the share link a physio sends.

Whose page it is comes only from the share token, checked on the server; the page holds no widget
whose value could pick another client (no client chooser, no hidden id), because a browser can set
any widget's value over the websocket.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as w

from kneekit.history import Client
from kneekit.records.store import Store
from kneekit.routines.session import Clock, SystemClock
from kneekit.sharing import INVALID_LINK, client_from_query
from kneekit.widgets.akps import AKPSForm
from kneekit.widgets.checkin import CheckInForm
from kneekit.widgets.common import message, replace_children
from kneekit.widgets.face import PageStyle
from kneekit.widgets.player import SessionPlayer
from kneekit.widgets.progress import ProgressView
from kneekit.widgets.upload import RunUpload

Tab = tuple[str, Callable[[Store, Clock, Client], w.Widget]]
"""A tab of the client's page: its title, and how to build its content for one client."""

EXTRA_TABS: tuple[Tab, ...] = (
    ("Knee questionnaire", lambda store, clock, who: AKPSForm(store, who, clock)),
    ("Add runs", lambda store, clock, who: RunUpload(store, who, clock)),
)
"""The tabs after the three built in: the knee questionnaire (AKPS) and a run-file upload. Pass
``extra_tabs`` to :func:`client_page` for others. Each is built when first opened, like My
progress, so the page opens on the player as quickly as before."""


def client_page(
    store: Store | None = None,
    clock: Clock | None = None,
    query: str | None = None,
    extra_tabs: Sequence[Tab] | None = None,
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
    later: list[Tab] = [
        ("My progress", lambda s, c, who: ProgressView(s, who, c)),
        *(EXTRA_TABS if extra_tabs is None else extra_tabs),
    ]
    holders = [w.VBox([w.HTML(message("info", "Loading…"))]) for _ in later]
    tabs = w.Tab(
        [
            SessionPlayer(store, clock, client=client),
            CheckInForm(store, clock, client=client, context="next-morning"),
            *holders,
        ],
        titles=("Stretch", "Check in", *(title for title, _ in later)),
        layout=w.Layout(width="100%"),
    )
    built: set[int] = set()

    def build_when_opened(change: dict[str, object]) -> None:
        # Built when first asked for: a client opening the page wants the player first, and
        # drawing the rest is most of the page's start-up time (kneekit bench).
        index = change["new"]
        if isinstance(index, int) and index >= 2 and index not in built:
            built.add(index)
            replace_children(holders[index - 2], [later[index - 2][1](store, clock, client)])

    tabs.observe(build_when_opened, "selected_index")
    title = w.HTML(f"<h2 class='kneekit-client-name'>Hello, {html.escape(client.name)}</h2>")
    page = w.VBox([PageStyle(), title, tabs], layout=w.Layout(width="100%", max_width="80em"))
    page.add_class("kneekit-page")
    return page
