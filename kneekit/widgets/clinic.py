"""The clinic overview: every client on one sortable table, and their trends a click away.

The table is read again when the physio presses Refresh and, while the page is open, every
:data:`REFRESH_EVERY` (a check-in a client sends shows without reloading the page). The timer
only asks :meth:`ClinicOverview.tick`, which decides from the injected clock whether it is time.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from kneekit.config import clinic_zone, today
from kneekit.progress import overview
from kneekit.progress.review import ClientReview
from kneekit.routines.session import Clock, SystemClock
from kneekit.widgets.common import offer
from kneekit.widgets.handout import HandoutButton
from kneekit.widgets.trends import TrendsView

if TYPE_CHECKING:
    from kneekit.records.store import Store

REFRESH_EVERY = timedelta(minutes=1)
"""How often an open overview reads the records again. Issue #13 asks that a check-in show
without a reload; a client's check-in is worth seeing within a minute, and one read of a
clinic's records takes well under a second (issue #15's scale bench), so this costs little."""
POLL_S = 5.0
"""How often the page's timer asks :meth:`ClinicOverview.tick` whether it is time to read."""

CELL = "padding:0.35em 0.8em;border-bottom:1px solid #bbb;vertical-align:top"
NARROW_PX = 760
"""Below this width the table is shown as one card per client (its nine columns need about
700 px); wider, as a table."""
TABLE_CSS = (
    "<style>"
    f"@media (max-width:{NARROW_PX}px){{"
    ".kneekit-overview,.kneekit-overview tbody,.kneekit-overview tr,.kneekit-overview td"
    "{display:block;width:auto}"
    ".kneekit-overview thead{display:none}"  # each value carries its label instead
    ".kneekit-overview tr{border:1px solid #bbb;border-radius:6px;margin:0 0 0.6em;"
    "padding:0.3em 0}"
    ".kneekit-overview td{border:none!important;padding:0.15em 0.8em!important}"
    ".kneekit-overview td:empty{display:none}"
    ".kneekit-overview td[data-label]::before{content:attr(data-label) ': ';color:#444}"
    # who needs attention first: the name, then the flags, then the rest
    ".kneekit-overview tr{display:flex;flex-wrap:wrap}"
    ".kneekit-overview td{flex:1 0 100%;box-sizing:border-box}"
    ".kneekit-overview td[data-label=Left],.kneekit-overview td[data-label=Right],"
    ".kneekit-overview td[data-label='Two weeks']{flex:0 0 auto}"  # the knees on one line
    ".kneekit-overview td:first-child{order:-2}.kneekit-overview td.kneekit-flags{order:-1}}"
    ".kneekit-overview td.kneekit-flags{color:#8a1c1c;font-weight:600}"
    "</style>"
)
ARROWS = {"up": "▲ rising", "down": "▼ falling", "flat": "▶ steady", None: "–"}

#: Sort keys, each putting what needs attention first; a None sorts last.
SORTS: dict[str, Callable[[ClientReview], Any]] = {
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


def table_html(rows: list[ClientReview]) -> str:
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
    labels = ("", *titles[1:])  # on a phone each value is labelled; the name needs no label
    for r in rows:
        cells = [
            f"<b>{html.escape(r.name)}</b>",
            f"{r.last_checkin.astimezone(clinic_zone()):%d %b %H:%M}"
            if r.last_checkin
            else "never",
            "" if r.left is None else str(r.left),
            "" if r.right is None else str(r.right),
            ARROWS[r.trend],
            "<br>".join(html.escape(f.title) for f in r.flags),
            f"<span class='kneekit-adherence'>{html.escape(str(r.adherence))}</span>",
            html.escape(r.routine or "not assigned"),
            html.escape(r.trial or "–"),
        ]
        body += (
            "<tr>"
            + "".join(
                f"<td style='{CELL}'"
                + (f" data-label='{label}'" if label else "")
                + (" class='kneekit-flags'" if label == "Flags" else "")
                + f">{c}</td>"
                for label, c in zip(labels, cells, strict=True)
            )
            + "</tr>"
        )
    return (
        TABLE_CSS
        + "<table class='kneekit-overview' style='font-size:1.05em;border-collapse:collapse'>"
        f"<thead>{head}</thead><tbody>{body}</tbody></table>"
    )


class ClinicOverview(w.VBox):
    """The physio's table of all clients, with one client's trends below it.

    Parameters
    ----------
    store : Store
        The clinic database.
    clock : Clock, optional
        Where the time comes from (tests pass a ManualClock).
    autorefresh : bool
        Read the records again every :data:`REFRESH_EVERY` while the page is open (an asyncio
        task in the kernel's loop); without a loop, :meth:`tick` is called by the caller.
    """

    def __init__(self, store: Store, clock: Clock | None = None, autorefresh: bool = True) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.sort = w.Dropdown(description="Sort", options=list(SORTS), value="Most flags first")
        self.refresh_button = w.Button(
            description="Refresh", icon="refresh", tooltip="Read the records again"
        )
        self.refresh_button.add_class("kneekit-refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.updated = w.HTML()
        self.updated.add_class("kneekit-updated")
        self.table = w.HTML()
        self.choose = w.Dropdown(description="Open trends for", style={"description_width": "8em"})
        self.handout = HandoutButton(store, lambda: self.choose.value, self.clock)
        self._loaded: list[ClientReview] = []
        self._read_at: datetime | None = None
        self._offering = False
        self._read()
        rows = self.rows()
        # The trends open on the table's first client straight away: drawing another first
        # would note a client as viewed that the physio never saw (widgets/trends.py).
        self.trends = TrendsView(store, self.clock, start_with=rows[0].client_id if rows else None)
        self.trends.picker.layout.display = "none"  # the overview's own chooser drives it
        self.sort.observe(lambda _: self._show(), "value")
        self.choose.observe(self._open, "value")
        wrap = w.Layout(flex_flow="row wrap", align_items="center")
        super().__init__(
            [
                w.HBox([self.sort, self.refresh_button, self.updated], layout=wrap),
                self.table,
                # The button beside the chooser it acts on; what it made, on the line below.
                w.HBox([self.choose, self.handout.button], layout=wrap),
                self.handout.result,
                self.trends,
            ]
        )
        self.add_class("kneekit-clinic")
        self._show()
        self._task: asyncio.Task[None] | None = None
        if autorefresh:
            with contextlib.suppress(RuntimeError):  # no running loop: plain Python, no timer
                self._task = asyncio.get_running_loop().create_task(self._run())

    def refresh(self) -> None:
        """Read the records again and redraw what changed (the table, the open trends)."""
        before = {r.client_id: r for r in self._loaded}
        self._read()
        self._show()
        chosen = self.choose.value
        after = {r.client_id: r for r in self._loaded}
        if before and chosen is not None and before.get(chosen) != after.get(chosen):
            self.trends.refresh()  # the open client's records changed: redraw their figures

    def _read(self) -> None:
        now = self.clock.now()
        self._loaded = overview.clinic_overview(self.store, today(now))
        self._read_at = now
        self.updated.value = (
            f"<span style='color:#444'>Updated {now.astimezone(clinic_zone()):%H:%M}</span>"
        )

    def tick(self) -> bool:
        """Read the records again if :data:`REFRESH_EVERY` has passed; True if it did."""
        if self._read_at is not None and self.clock.now() - self._read_at < REFRESH_EVERY:
            return False
        self.refresh()
        return True

    def close(self) -> None:
        """Stop the timer with the view."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        super().close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            self.tick()

    def rows(self) -> list[ClientReview]:
        """The rows as last read, in the chosen order: sorting reads nothing again."""
        return sorted(self._loaded, key=SORTS[self.sort.value])

    def _show(self) -> None:
        rows = self.rows()
        table = table_html(rows)
        if table != self.table.value:
            self.table.value = table
        before = self.choose.value
        self._offering = True  # new options pass through the first one: not worth drawing
        try:
            offer(self.choose, [(r.name, r.client_id) for r in rows])
        finally:
            self._offering = False
        if self.choose.value != before:
            self._open({"new": self.choose.value})

    def _open(self, change: dict[str, Any]) -> None:
        if change["new"] is not None and not self._offering:
            self.trends.picker.value = change["new"]
            self.handout.result.value = ""  # a handout made for the previous client goes
