"""One client's soreness over time: the trend figure, the flags, adherence, routine versions."""

from __future__ import annotations

import html
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ipywidgets as w

from kneekit import config
from kneekit.history import History
from kneekit.progress import trends, variants
from kneekit.progress.adherence import Adherence
from kneekit.progress.review import ClientReview, review
from kneekit.progress.thresholds import Thresholds
from kneekit.routines.session import Clock, SystemClock
from kneekit.widgets.common import figure_image, message, replace_children

if TYPE_CHECKING:
    from kneekit.history import Client
    from kneekit.records.store import Store

DEFAULT_WEEKS = 12
"""The demo clinic and a typical block of physio follow-up both span about twelve weeks."""

ADVICE = (
    "kneekit points out patterns worth a look; it does not diagnose. Stretching is an adjunct: "
    "for runners' knee pain, strengthening comes first."
)


def _bullets(items: list[str]) -> str:
    return (
        "<ul style='font-size:1.1em'>"
        + "".join(f"<li>{html.escape(i)}</li>" for i in items)
        + "</ul>"
    )


class TrendsView(w.VBox):
    """Soreness trends for one client over a date range.

    With ``client`` fixed (a client's own page) it shows their trend and adherence only; for the
    physio it adds the flags, the change from baseline and the routine-version comparison.

    The physio's view notes "viewed" in the audit trail the first time it shows each client:
    once per client per page open, not at every redraw (a new date range, a check-in arriving),
    so the trail says who looked at whose records without filling up with repeats.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        client: Client | None = None,
        seed: int = 0,
        start_with: int | None = None,
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.client = client
        self.seed = seed
        self.viewed: set[int] = set()  # clients noted as viewed by this open page
        today = config.today(self.clock.now())
        label = {"style": {"description_width": "5em"}}
        self.picker = w.Dropdown(
            description="Client",
            options=[(c.name, c.id) for c in store.clients()] if client is None else [],
            **label,
        )
        if start_with is not None:  # set before the first drawing, so only it is "viewed"
            self.picker.value = start_with
        self.start = w.DatePicker(
            description="From", value=today - timedelta(weeks=DEFAULT_WEEKS), **label
        )
        self.end = w.DatePicker(description="To", value=today, **label)
        # Not a scroll box of its own: the page scrolls, and a scrolling region would need to be
        # reachable from the keyboard (axe-core: scrollable-region-focusable).
        self.body = w.VBox(layout=w.Layout(overflow="visible"))
        self.body.add_class("kneekit-trends")
        for control in (self.picker, self.start, self.end):
            control.observe(lambda _: self.refresh(), "value")
        top = [self.picker] if client is None else []
        dates = w.HBox([*top, self.start, self.end], layout=w.Layout(flex_flow="row wrap"))
        super().__init__([dates, self.body])
        self.refresh()

    def client_id(self) -> int | None:
        return self.client.id if self.client is not None else self.picker.value

    def refresh(self) -> None:
        from kneekit.progress import (
            figures as plots,  # matplotlib is loaded when a figure is first drawn
        )

        client_id, start, end = self.client_id(), self.start.value, self.end.value
        if client_id is None:
            replace_children(self.body, [w.HTML(message("info", "No clients yet."))])
            return
        if start is None or end is None or start > end:
            error = message("error", "Choose a 'From' date on or before the 'To' date.")
            replace_children(self.body, [w.HTML(error)])
            return
        full = self.store.history(client_id)
        if self.client is None and client_id not in self.viewed:
            self.store.audit.note(client_id, "viewed")
            self.viewed.add(client_id)
        # Flags, verdicts and adherence as of the 'To' date, computed as the overview does;
        # the 'From' date only sets where the trend figure begins.
        seen = review(full, end, thresholds=Thresholds.from_settings())
        history = trends.clip(full, start, end)
        parts: list[w.Widget] = [
            w.HTML(f"<h3>{html.escape(history.name)}: {start:%d %b} to {end:%d %b %Y}</h3>"),
            figure_image(plots.soreness_trend(history, end, start=start)),
        ]
        trial = self.store.trials.status_words(
            client_id, full, end, for_client=self.client is not None
        )
        if trial:
            parts.insert(1, w.HTML(message("info", trial)))
        if self.client is None:
            parts.append(w.HTML(self._physio_notes(seen, full, end)))
        parts += [
            w.HTML(adherence_html(seen.adherence)),
            figure_image(plots.adherence_calendar(full, end), width="80%"),
            w.HTML(f"<p><i>{html.escape(ADVICE)}</i></p>"),
        ]
        replace_children(self.body, parts)

    def _physio_notes(self, seen: ClientReview, history: History, today: date) -> str:
        out = f"<h4>Worth a look ({today - timedelta(6):%d %b} to {today:%d %b})</h4>" + (
            _bullets([f"{f} ({f.source})" for f in seen.flags])
            if seen.flags
            else "<p>Nothing flagged.</p>"
        )
        out += "<h4>Change from the first two weeks</h4>" + _bullets(
            [str(trends.change_from_baseline(history, knee, today)) for knee in trends.KNEES]
        )
        comparison = variants.compare_variants(history, today, random.Random(self.seed))
        if comparison.differences:
            out += "<h4>Routine versions compared</h4>" + _bullets(
                [str(d) for d in comparison.differences]
            )
            out += "<p><b>Read with care:</b></p>" + _bullets(list(comparison.caveats))
        return out


def adherence_html(figure: Adherence) -> str:
    """The adherence figure as every page shows it: the same words, with their period."""
    return (
        "<p class='kneekit-adherence' style='font-size:1.1em'><b>Stretching after runs,</b> "
        f"{html.escape(str(figure))}</p>"
    )
