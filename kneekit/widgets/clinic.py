"""The clinic overview: every client on one sortable table, and their trends a click away."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from kneekit import overview
from kneekit.config import today
from kneekit.session import Clock, SystemClock
from kneekit.widgets.trends import TrendsView

if TYPE_CHECKING:
    from kneekit.records.store import Store

CELL = "padding:0.35em 0.8em;border-bottom:1px solid #bbb;vertical-align:top"
ARROWS = {"up": "▲ rising", "down": "▼ falling", "flat": "▶ steady", None: "–"}

#: Sort keys, each putting what needs attention first; a None sorts last.
SORTS: dict[str, Callable[[overview.OverviewRow], Any]] = {
    "Most flags first": lambda r: (-len(r.flags), r.name.casefold()),
    "Sorest first": lambda r: (-max(r.left or 0, r.right or 0), r.name.casefold()),
    "Rising soreness first": lambda r: (-(r.trend_change or 0), r.name.casefold()),
    "Lowest adherence first": lambda r: (
        r.adherence.share if r.adherence.share is not None else 2,
        r.name.casefold(),
    ),
    "Longest since check-in first": lambda r: (
        r.last_checkin.timestamp() if r.last_checkin else 0,
        r.name.casefold(),
    ),
    "Name": lambda r: r.name.casefold(),
}


def table_html(rows: list[overview.OverviewRow]) -> str:
    """The overview table; every value from the records is escaped, so notes and names stay text."""
    titles = (
        "Client",
        "Last check-in",
        "Left",
        "Right",
        "Two weeks",
        "Flags",
        "Stretched after runs",
        "Routine",
        "Trial",
    )
    head = (
        "<tr>" + "".join(f"<th style='{CELL};text-align:left'>{t}</th>" for t in titles) + "</tr>"
    )
    body = ""
    for r in rows:
        cells = [
            f"<b>{html.escape(r.name)}</b>",
            f"{r.last_checkin.astimezone():%d %b %H:%M}" if r.last_checkin else "never",
            "" if r.left is None else str(r.left),
            "" if r.right is None else str(r.right),
            ARROWS[r.trend],
            "<br>".join(html.escape(f.title) for f in r.flags),
            f"<span class='kneekit-adherence'>{html.escape(str(r.adherence))}</span>",
            html.escape(r.routine or "not assigned"),
            html.escape(r.trial or "–"),
        ]
        body += "<tr>" + "".join(f"<td style='{CELL}'>{c}</td>" for c in cells) + "</tr>"
    return (
        "<table class='kneekit-overview' style='font-size:1.05em;border-collapse:collapse'>"
        f"<thead>{head}</thead><tbody>{body}</tbody></table>"
    )


class ClinicOverview(w.VBox):
    """The physio's table of all clients, with one client's trends below it."""

    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.sort = w.Dropdown(description="Sort", options=list(SORTS), value="Most flags first")
        self.table = w.HTML()
        self.choose = w.Dropdown(description="Open trends for", style={"description_width": "8em"})
        self._reordering = False
        self._loaded = overview.clinic_overview(store, today(self.clock.now()))
        rows = self.rows()
        # The trends open on the table's first client straight away: drawing another first
        # would note a client as viewed that the physio never saw (widgets/trends.py).
        self.trends = TrendsView(store, self.clock, start_with=rows[0].client_id if rows else None)
        self.trends.picker.layout.display = "none"  # the overview's own chooser drives it
        self.sort.observe(lambda _: self._show(), "value")
        self.choose.observe(self._open, "value")
        super().__init__([self.sort, self.table, self.choose, self.trends])
        self.add_class("kneekit-clinic")
        self._show()

    def refresh(self) -> None:
        """Read the records again and redraw the table."""
        self._loaded = overview.clinic_overview(self.store, today(self.clock.now()))
        self._show()

    def rows(self) -> list[overview.OverviewRow]:
        """The rows as last read, in the chosen order: sorting reads nothing again."""
        return sorted(self._loaded, key=SORTS[self.sort.value])

    def _show(self) -> None:
        rows = self.rows()
        self.table.value = table_html(rows)
        chosen = self.choose.value
        ids = [r.client_id for r in rows]
        # New options make the chooser jump to its first entry and back: the trends must not
        # follow (a redraw, and a "viewed" entry, for a client nobody opened).
        self._reordering = True
        try:
            self.choose.options = [(r.name, r.client_id) for r in rows]
            if ids:
                self.choose.value = chosen if chosen in ids else ids[0]
        finally:
            self._reordering = False
        if ids and self.trends.picker.value != self.choose.value:
            self.trends.picker.value = self.choose.value

    def _open(self, change: dict[str, Any]) -> None:
        if change["new"] is not None and not self._reordering:
            self.trends.picker.value = change["new"]
