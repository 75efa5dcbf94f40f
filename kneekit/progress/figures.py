"""Figures a clinician reads at a glance: the soreness trend and the adherence calendar (a
routine's steps and dose are drawn by :mod:`kneekit.routines.figures`).

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing global
changes and nothing is shown; the caller saves it, embeds it or puts it in a report. Styles double
every colour with a line style, marker or hatch so the figures survive greyscale printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from kneekit.figstyle import key, style
from kneekit.history import History
from kneekit.outcomes.scale import ACCEPTABLE_MAX, SAFE_MAX
from kneekit.progress import trends
from kneekit.progress.adherence import Activity, activity, adherence, first_day

TREND_AXES = (0.075, 0.22, 0.85, 0.70)
"""Where the trend's axes sit in its 12 x 7 in figure (left, bottom, width, height): room for the
tick labels and axis names at 14-15 pt on both sides, the title above and two legend rows below."""

KNEE_STYLE: dict[trends.Knee, dict[str, str]] = {
    "left": {"color": "#1f3b73", "marker": "o", "linestyle": "-", "mfc": "#1f3b73"},
    "right": {"color": "#d95f02", "marker": "s", "linestyle": "--", "mfc": "white"},
}
"""Left dark blue, filled circles, solid line; right orange, open squares, dashed line."""

ZONES = (
    (0, SAFE_MAX, "#e5f5e0", "0–2 safe"),
    (SAFE_MAX, ACCEPTABLE_MAX, "#fff3c4", "3–5 acceptable"),
    (ACCEPTABLE_MAX, 10, "#f6d0cc", "above 5 high"),
)
"""Pain-monitoring zone bands (Silbernagel et al. 2007), darker as the zone gets worse."""

ACTIVITY_STYLE: dict[Activity, tuple[str, str, str]] = {
    "both": ("#1b7837", "", "Ran and stretched"),
    "ran": ("#f2b66d", "//", "Ran, no stretch session"),
    "stretched": ("#a6dba0", "..", "Stretched, no run"),
    "neither": ("white", "", "Neither"),
}
"""Calendar cells: the goal (a run, then a stretch) is darkest; a run without one is hatched."""


def _x(day: date) -> float:
    """A date as matplotlib's number of days, so tests and axes agree on positions."""
    return float(mdates.date2num(day))


def _nan(values: Sequence[float | None]) -> list[float]:
    return [float("nan") if v is None else v for v in values]


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=16)


def soreness_trend(history: History, today: date, *, start: date | None = None) -> Figure:
    """Both knees' daily soreness, 7-day means, zones, routine changes and weekly distance.

    Points are each day's highest rating; lines are 7-day rolling means (see
    kneekit.progress.trends). Bars on the right-hand axis are the running distance of each 7-day
    block ending today.
    """
    start = start or first_day(history) or today
    x0 = _x(start)  # positions as day offsets from here: converting each date is slow
    with style():
        # A fixed layout, not a constrained one: the page redraws this figure whenever the dates
        # change, and working the layout out again took a third of the time (kneekit bench).
        fig = Figure(figsize=(12, 7))
        ax = fig.add_axes(TREND_AXES)
        km_ax = ax.twinx()
        ax.set_zorder(km_ax.get_zorder() + 1)  # soreness in front of the distance bars
        ax.patch.set_visible(False)
        blocks = (today - start).days // 7 + 1
        weeks = trends.weekly(history, today, blocks)
        km_ax.bar(
            [x0 + (w.start - start).days for w in weeks],
            [w.km for w in weeks],
            width=7,
            align="edge",
            color="#bdbdbd",
            edgecolor="#6f6f6f",
            hatch="//",
            label="Distance per week (km)",
            gid="weekly-km",
        )
        km_ax.set_ylim(0, max([w.km for w in weeks] + [10.0]) * 2.2)  # bars in the lower half
        km_ax.set_ylabel("Running distance per week (km)")
        for low, high, colour, words in ZONES:
            # Translucent so the distance bars behind still show; named in the plot for greyscale.
            ax.axhspan(low, high, color=colour, alpha=0.6, zorder=0, lw=0, label=f"Zone {words}")
            ax.text(
                0.995,
                high - 0.15,
                words.split()[-1],
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="top",
                fontsize=12,
                style="italic",
                color="#444444",
            )
        for knee in trends.KNEES:
            series = trends.daily(history, knee, today, start=start)
            look = KNEE_STYLE[knee]
            rated = [
                (d, v) for d, v in zip(series.days, series.values, strict=True) if v is not None
            ]
            ax.plot(
                [x0 + (d - start).days for d, _ in rated],
                [v for _, v in rated],
                linestyle="none",
                marker=look["marker"],
                markersize=6 if len(series.values) <= 120 else 4,  # long records: less ink
                color=look["color"],
                mfc=look["mfc"],
                alpha=0.7,
                label=f"{knee.capitalize()} knee, each day",
                gid=f"daily-{knee}",
            )
            ax.plot(
                [x0 + i for i in range(len(series.values))],
                _nan(trends.rolling_mean(series).values),
                linestyle=look["linestyle"],
                linewidth=3,
                color=look["color"],
                label=f"{knee.capitalize()} knee, 7-day average",
                gid=f"rolling-{knee}",
            )
        changes = [a for a in history.assignments if start <= a.since <= today]
        for a in changes:
            ax.axvline(
                _x(a.since), color="black", linestyle="-.", linewidth=2, gid="routine-change"
            )
        in_force = trends.assignment_on(history, start)
        if in_force is not None and in_force.since < start:
            changes.append(in_force)  # named at the left edge: the routine when the plot begins
        for a in changes:
            ax.annotate(
                f" routine: {a.label}",
                (_x(max(a.since, start)), 10),
                xytext=(4, -4),
                textcoords="offset points",
                va="top",
                fontsize=12,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            )
        ax.set_ylim(0, 10.5)
        ax.set_yticks(range(11))
        ax.set_xlim(_x(start) - 1, _x(today) + 1)
        locator = mdates.AutoDateLocator(maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_ylabel("Knee soreness (0 none – 10 worst)")
        ax.set_xlabel("Date")
        ax.set_title(f"{history.name}: knee soreness and weekly running distance")
        if not history.checkins:
            _empty(ax, "No soreness check-ins recorded yet")
        handles, _ = ax.get_legend_handles_labels()
        bars, _ = km_ax.get_legend_handles_labels()
        # The legend fills column by column: knees on the top row, zones and distance below
        # (a row with fewer entries is padded with blanks, however many zones there are).
        knees, below = handles[len(ZONES) :], [*handles[: len(ZONES)], *bars]
        columns = max(len(knees), len(below))
        rows = [
            [*row, *[Patch(visible=False, label=" ")] * (columns - len(row))]
            for row in (knees, below)
        ]
        fig.legend(
            handles=[h for pair in zip(*rows, strict=True) for h in pair],
            loc="lower center",
            bbox_to_anchor=(0.5, 0.005),
            ncol=columns,
            frameon=False,
        )
    return fig


def adherence_calendar(history: History, today: date, weeks: int = 12) -> Figure:
    """Calendar weeks (rows, Monday first) by weekday: ran, stretched, both or neither.

    Calendar weeks are used here, unlike the 7-day blocks of the trend, because a calendar grid is
    what people read without explanation. Days after today are left blank.
    """
    first_monday = today - timedelta(today.weekday() + 7 * (weeks - 1))
    days = activity(history, first_monday, today)
    with style():
        fig = Figure(figsize=(9, 2.2 + 0.45 * weeks), layout="constrained")
        ax = fig.add_subplot()
        for day, what in days.items():
            colour, hatch, _ = ACTIVITY_STYLE[what]
            row = (day - first_monday).days // 7
            cell = Rectangle(
                (day.weekday(), row),
                0.92,
                0.88,
                facecolor=colour,
                hatch=hatch,
                edgecolor="#555555",
                linewidth=1,
                gid=what,
            )
            cell.set_label(day.isoformat())
            ax.add_patch(cell)
        ax.set_xlim(-0.1, 7)
        ax.set_ylim(weeks, -0.1)  # oldest week at the top, like a paper calendar
        ax.set_xticks(
            [i + 0.46 for i in range(7)], ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        )
        ax.xaxis.tick_top()
        ax.set_yticks(
            [r + 0.44 for r in range(weeks)],
            [_day_month(first_monday + timedelta(7 * r)) for r in range(weeks)],
        )
        ax.set_ylabel("Week starting")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(f"{history.name}: runs and stretch sessions, last {weeks} weeks", pad=34)
        # The caption is the one adherence figure every page shows (the last four weeks), not a
        # count over the calendar's twelve: two numbers for one thing confuse (issue #11).
        words = str(adherence(history, today))
        ax.set_xlabel(f"Stretching after runs, {words}.", labelpad=10)
        key(fig, ACTIVITY_STYLE.values(), ncol=2, edgecolor="#555555")
    return fig


def _day_month(day: date) -> str:
    return f"{day.day} {day:%b}"
