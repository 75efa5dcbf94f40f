"""A client's own progress, words first: soreness this week against their first two weeks, how
often runs were followed by stretching, then a week-by-week chart drawn in the page's own text.

The chart is HTML, not a picture: its labels are page text at the page's size (at least 12 CSS px
on a phone), it reflows to any width and a screen reader reads it as a table.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from kneekit.config import today as local_today
from kneekit.progress import trends
from kneekit.progress.adherence import adherence
from kneekit.routines.session import Clock, SystemClock
from kneekit.widgets.common import replace_children

if TYPE_CHECKING:
    from datetime import date

    from kneekit.history import Client, History
    from kneekit.records.store import Store

CHART_WEEKS = 8
"""Two months of weeks: enough to see a direction, few enough rows for a phone screen."""

KNEE_COLOURS = {"left": "#8a3b00", "right": "#0b4f8a"}
"""The player's side colours, so a knee looks the same everywhere on the client's page."""


def _fmt(value: float | None) -> str:
    """A rating as said aloud: "3", "2.5", or a dash for no check-ins."""
    if value is None:
        return "—"
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def summary_words(history: History, today: date) -> list[str]:
    """One sentence per knee: this week's average, then the first two weeks' (when known)."""
    week = trends.weekly(history, today, 1)[-1]
    lines = []
    for knee in trends.KNEES:
        now = week.soreness[knee]
        first = trends.change_from_baseline(history, knee, today).baseline
        said = f"{_fmt(now)} on average this week" if now is not None else "no check-ins this week"
        if first is not None:
            said += f", {_fmt(first)} in your first two weeks"
        lines.append(f"{knee.capitalize()} knee: {said}.")
    return lines


def weekly_chart(history: History, today: date, weeks: int = CHART_WEEKS) -> str:
    """Week-by-week average soreness per knee, as a table of bars (0 to 10)."""
    rows = []
    for week in trends.weekly(history, today, weeks):
        cells = []
        for knee in trends.KNEES:
            value = week.soreness[knee]
            width = 0 if value is None else max(2.0, value * 10)
            cells.append(
                f"<td><span style='display:inline-block;height:0.9em;width:{width:.0f}%;"
                f"max-width:calc(100% - 2.2em);background:{KNEE_COLOURS[knee]};"
                f"vertical-align:middle'></span> {_fmt(value)}</td>"
            )
        rows.append(f"<tr><th scope='row'>{week.end:%d %b}</th>{''.join(cells)}</tr>")
    return (
        "<table class='kneekit-weeks' style='width:100%;table-layout:fixed;font-size:1rem;"
        "border-collapse:collapse'><caption style='text-align:left;font-weight:600'>Average "
        "soreness, week by week (0 = none, 10 = worst imaginable)</caption><thead><tr>"
        "<th scope='col' style='width:5em;text-align:left'>Week to</th>"
        "<th scope='col' style='text-align:left'>Left knee</th>"
        "<th scope='col' style='text-align:left'>Right knee</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


class ProgressView(w.VBox):
    """My progress on the client's page: words, adherence with its period, then the chart."""

    def __init__(self, store: Store, client: Client, clock: Clock | None = None) -> None:
        self.store = store
        self.client = client
        self.clock: Clock = clock or SystemClock()
        super().__init__(layout=w.Layout(width="100%"))
        self.add_class("kneekit-progress")
        self.refresh()

    def refresh(self) -> None:
        today = local_today(self.clock.now())
        history = self.store.history(self.client.id)
        figure = adherence(history, today)
        trial = self.store.trials.status_words(self.client.id, history, today, for_client=True)
        words = "".join(f"<li>{html.escape(line)}</li>" for line in summary_words(history, today))
        replace_children(
            self,
            [
                w.HTML(
                    f"<ul style='font-size:1.15rem;line-height:1.4;padding-left:1.2em'>{words}</ul>"
                ),
                w.HTML(
                    "<p style='font-size:1.05rem'><b>Stretching after runs,</b> "
                    f"<span class='kneekit-adherence'>{html.escape(str(figure))}</span> "
                    f"({figure.start:%d %b} to {figure.end:%d %b})</p>"
                ),
                *(
                    [w.HTML(f"<p style='font-size:1.05rem'>{html.escape(trial)}</p>")]
                    if trial
                    else []
                ),
                w.HTML(weekly_chart(history, today)),
                w.HTML(
                    "<p style='font-size:0.95rem'><i>kneekit shows your records; it does not "
                    "diagnose. Talk to your physio about what they mean for you.</i></p>"
                ),
            ],
        )
