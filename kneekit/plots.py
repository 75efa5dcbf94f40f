"""Figures a clinician reads at a glance: soreness trend, adherence calendar, routine steps, dose.

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing global
changes and nothing is shown; the caller saves it, embeds it or puts it in a report. Styles double
every colour with a line style, marker or hatch so the figures survive greyscale printing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MultipleLocator

from kneekit import trends
from kneekit.adherence import Activity, activity, adherence, first_day
from kneekit.history import History
from kneekit.routines import DOSE_GUIDELINE_S, Routine, StepKind, format_duration

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

STYLE: dict[RcKeyType, Any] = {
    "font.size": 14,
    "axes.titlesize": 18,
    "axes.titleweight": "bold",
    "axes.labelsize": 15,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 12,
    "hatch.linewidth": 1.0,
    "text.parse_math": False,
}
"""Large type, read on a tablet or a printed page from arm's length; names and notes are shown as
typed (a "$" in a client's name is not taken as mathematics)."""

SCREEN_DPI = 90
"""Resolution of the figures a page shows (see to_png)."""
TREND_AXES = (0.075, 0.22, 0.85, 0.70)
"""Where the trend's axes sit in its 12 x 7 in figure (left, bottom, width, height): room for the
tick labels and axis names at 14-15 pt on both sides, the title above and two legend rows below."""

KNEE_STYLE: dict[trends.Knee, dict[str, str]] = {
    "left": {"color": "#1f3b73", "marker": "o", "linestyle": "-", "mfc": "#1f3b73"},
    "right": {"color": "#d95f02", "marker": "s", "linestyle": "--", "mfc": "white"},
}
"""Left dark blue, filled circles, solid line; right orange, open squares, dashed line."""

ZONES = (
    (0, trends.SAFE_MAX, "#e5f5e0", "0–2 safe"),
    (trends.SAFE_MAX, trends.ACCEPTABLE_MAX, "#fff3c4", "3–5 acceptable"),
    (trends.ACCEPTABLE_MAX, 10, "#f6d0cc", "above 5 high"),
)
"""Pain-monitoring zone bands (Silbernagel et al. 2007), darker as the zone gets worse."""

KIND_STYLE: dict[StepKind, tuple[str, str, str]] = {
    "hold": ("#1f3b73", "", "Hold"),
    "prepare": ("#cfe0f3", "..", "Get into position"),
    "switch": ("#f2b66d", "//", "Change legs"),
    "rest": ("#e6e6e6", "\\\\", "Rest"),
}
"""Step kinds: colour, hatch and legend words; holds are the darkest, as they matter most."""

ACTIVITY_STYLE: dict[Activity, tuple[str, str, str]] = {
    "both": ("#1b7837", "", "Ran and stretched"),
    "ran": ("#f2b66d", "//", "Ran, no stretch session"),
    "stretched": ("#a6dba0", "..", "Stretched, no run"),
    "neither": ("white", "", "Neither"),
}
"""Calendar cells: the goal (a run, then a stretch) is darkest; a run without one is hatched."""

ROUTINE_COLOURS = ("#1f3b73", "#e69f00", "#009e73", "#cc79a7")
"""Okabe–Ito colours, readable with colour blindness; legs are told apart by hatching as well."""


@contextmanager
def style() -> Iterator[None]:
    """Build figures inside this block to get the house STYLE."""
    with mpl.rc_context(STYLE):
        yield


def to_png(fig: Figure) -> bytes:
    """The figure as a PNG for a page: 90 dpi makes the 12 in trend figure 1080 px across, sharp
    at full width. No tight bounding box: kneekit's figures set their own margins."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=SCREEN_DPI)
    return buffer.getvalue()


def _x(day: date) -> float:
    """A date as matplotlib's number of days, so tests and axes agree on positions."""
    return float(mdates.date2num(day))


def _nan(values: Sequence[float | None]) -> list[float]:
    return [float("nan") if v is None else v for v in values]


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=16)


def soreness_trend(history: History, today: date, *, start: date | None = None) -> Figure:
    """Both knees' daily soreness, 7-day means, zones, routine changes and weekly distance.

    Points are each day's highest rating; lines are 7-day rolling means (see kneekit.trends).
    Bars on the right-hand axis are the running distance of each 7-day block ending today.
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
        # The legend fills column by column: knees on the top row, zones and distance below.
        zones, knees = handles[:3], handles[3:]
        fig.legend(
            handles=[h for pair in zip(knees, [*zones, *bars], strict=True) for h in pair],
            loc="lower center",
            bbox_to_anchor=(0.5, 0.005),
            ncol=4,
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
        _key(fig, ACTIVITY_STYLE.values(), ncol=2, edgecolor="#555555")
    return fig


def _key(fig: Figure, styles: Iterable[tuple[str, str, str]], *, ncol: int, edgecolor: str) -> None:
    """A legend of (colour, hatch, words) swatches under a constrained-layout figure."""
    handles = [Patch(facecolor=c, hatch=h, edgecolor=edgecolor, label=w) for c, h, w in styles]
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False)


def _day_month(day: date) -> str:
    return f"{day.day} {day:%b}"


def _minutes(seconds: float, _: object = None) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def routine_timeline(routines: Sequence[Routine]) -> Figure:
    """The steps of each routine as horizontal bars on one time axis, to compare variants.

    Hold bars carry the side (R, L or both); each stretch's muscle group sits above its first
    step and the total time follows the last.
    """
    longest = max(r.total_s for r in routines)
    with style():
        fig = Figure(figsize=(14, 1.6 + 1.7 * len(routines)), layout="constrained")
        ax = fig.add_subplot()
        for row, routine in enumerate(routines):
            seen: set[str] = set()
            for step in routine.steps:
                colour, hatch, _ = KIND_STYLE[step.kind]
                ax.barh(
                    row,
                    step.duration_s,
                    left=step.start_s,
                    height=0.5,
                    color=colour,
                    hatch=hatch,
                    edgecolor="#333333",
                    linewidth=0.8,
                    gid=f"{routine.name}|{step.kind}",
                )
                if step.kind == "hold":
                    side = {"left": "L", "right": "R", "both": "both"}[step.side or "both"]
                    ax.text(
                        step.start_s + step.duration_s / 2,
                        row,
                        side,
                        ha="center",
                        va="center",
                        color="white",
                        fontsize=12,
                        fontweight="bold",
                    )
                if step.stretch.id not in seen:
                    seen.add(step.stretch.id)
                    ax.text(
                        step.start_s,
                        row - 0.3,
                        step.stretch.group.capitalize(),
                        ha="left",
                        va="bottom",
                        fontsize=13,
                    )
            ax.text(
                routine.total_s + longest * 0.01,
                row,
                f"{format_duration(routine.total_s)}",
                ha="left",
                va="center",
                fontsize=13,
                fontweight="bold",
            )
        ax.set_yticks(range(len(routines)), [r.name for r in routines])
        ax.set_ylim(len(routines) - 0.5, -0.8)
        ax.set_xlim(0, longest * 1.12)
        ax.xaxis.set_major_locator(MultipleLocator(60 if longest <= 900 else 120))
        ax.xaxis.set_major_formatter(FuncFormatter(_minutes))
        ax.grid(axis="x", color="#bbbbbb", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_xlabel("Time from the start of the session (min:s)")
        ax.set_title("Routine timeline" + (": variants compared" if len(routines) > 1 else ""))
        _key(fig, KIND_STYLE.values(), ncol=4, edgecolor="#333333")
    return fig


def dose_chart(routines: Sequence[Routine]) -> Figure:
    """Seconds held per muscle group and leg in one session, against the ~60 s guideline.

    The guideline is the ACSM position stand (Garber et al. 2011): accumulate about 60 s per
    flexibility exercise; see kneekit.routines.DOSE_GUIDELINE_S.
    """
    doses = [r.dose() for r in routines]
    groups = list(dict.fromkeys(g for d in doses for g in d))
    width = 0.8 / (2 * len(routines))
    with style():
        fig = Figure(figsize=(11, 6.5), layout="constrained")
        ax = fig.add_subplot()
        for i, (routine, dose) in enumerate(zip(routines, doses, strict=True)):
            colour = ROUTINE_COLOURS[i % len(ROUTINE_COLOURS)]
            for j, leg in enumerate(("left", "right")):
                offset = -0.4 + width * (2 * i + j + 0.5)
                heights = [dose.get(g, {}).get(leg, 0) for g in groups]
                bars = ax.bar(
                    [x + offset for x in range(len(groups))],
                    heights,
                    width=width * 0.95,
                    color=colour if leg == "right" else "white",
                    edgecolor=colour,
                    hatch="//" if leg == "left" else "",
                    linewidth=2,
                    label=f"{routine.name}, {leg} leg",
                    gid=f"{routine.name}|{leg}",
                )
                ax.bar_label(bars, fmt="%d s", fontsize=11, padding=2)
        ax.axhline(
            DOSE_GUIDELINE_S,
            color="black",
            linestyle="--",
            linewidth=2,
            label=f"Guideline: about {DOSE_GUIDELINE_S} s (ACSM, Garber et al. 2011)",
            gid="guideline",
        )
        ax.set_xticks(range(len(groups)), [g.capitalize() for g in groups])
        top = max(
            [DOSE_GUIDELINE_S] + [s for d in doses for legs in d.values() for s in legs.values()]
        )
        ax.set_ylim(0, top * 1.25)
        ax.set_ylabel("Seconds held per session (s)")
        ax.set_xlabel("Muscle group")
        ax.set_title("Stretch dose per muscle group and leg")
        ax.legend(loc="upper left", ncol=1 + (len(routines) > 1), frameon=True)
    return fig
