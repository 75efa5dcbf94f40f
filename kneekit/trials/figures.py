"""The trial plan on a calendar: each day coloured by its block's routine, washout days hatched.

Returns a :class:`matplotlib.figure.Figure` built without pyplot (see
:mod:`kneekit.progress.figures`); colours are doubled by hatching and letters so the calendar
survives greyscale printing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from kneekit.figstyle import style
from kneekit.trials.plan import TrialPlan, current_block, last_day, state

ARM_STYLE = {
    "A": ("#1f3b73", "", "white"),
    "B": ("#e69f00", "", "black"),
    "run-in": ("#f2f2f2", "..", "black"),
}
"""Block colours (Okabe–Ito blue and orange, readable with colour blindness): fill, hatch, and
the colour of the text in the cell. Washout days take their block's colour, faded and hatched."""
WASHOUT_ALPHA = 0.35
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def plan_calendar(
    plan: TrialPlan,
    today: date,
    ratings: Mapping[date, int] | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Calendar weeks (rows, Monday first) of the trial: A, B, washout and run-in days.

    Each analysed day shows its arm's letter, or the day's outcome rating when ``ratings`` is
    given (a blank cell: not rated); today is outlined, days after a stop are left white.
    ``figsize`` in inches (default: 9 wide, as tall as the weeks need; the report passes A4).
    """
    first = plan.start - timedelta(plan.start.weekday())
    weeks = (plan.end - first).days // 7 + 1
    arm_of: dict[date, str] = {plan.start + timedelta(i): "run-in" for i in range(plan.run_in_days)}
    washout: set[date] = set()
    for block in plan.blocks:
        for day in block.days():
            arm_of[day] = block.arm
            if day < block.analysed_from:
                washout.add(day)
    ended = last_day(plan)
    with style():
        fig = Figure(figsize=figsize or (9, 2.8 + 0.5 * weeks), layout="constrained")
        ax = fig.add_subplot()
        for day, arm in arm_of.items():
            row = (day - first).days // 7
            colour, hatch, ink = ARM_STYLE[arm]
            after_stop = plan.stopped_on is not None and day > ended
            cell = Rectangle(
                (day.weekday(), row),
                0.92,
                0.86,
                facecolor="white" if after_stop else colour,
                alpha=WASHOUT_ALPHA if day in washout else None,
                hatch="//" if day in washout else hatch,
                edgecolor="black" if day == today else "#555555",
                linewidth=3.5 if day == today else 1,
                gid="washout" if day in washout else arm,
            )
            cell.set_label(day.isoformat())
            ax.add_patch(cell)
            if arm != "run-in" and day not in washout and not after_stop:
                shown = arm if ratings is None else str(ratings.get(day, ""))
                ax.text(
                    day.weekday() + 0.46,
                    row + 0.43,
                    shown,
                    ha="center",
                    va="center",
                    color=ink,
                    fontsize=13,
                    fontweight="bold",
                )
        for block in plan.blocks:
            ax.text(
                block.start.weekday() + 0.06,
                (block.start - first).days // 7 + 0.1,
                f"P{block.pair}",
                fontsize=10,
                va="top",
                color="black" if block.washout_days else ARM_STYLE[block.arm][2],
            )
        ax.set_xlim(-0.1, 7)
        ax.set_ylim(weeks, -0.1)
        ax.set_xticks([i + 0.46 for i in range(7)], WEEKDAYS)
        ax.xaxis.tick_top()
        ax.set_yticks(
            [r + 0.43 for r in range(weeks)],
            [
                f"{(first + timedelta(7 * r)).day} {first + timedelta(7 * r):%b}"
                for r in range(weeks)
            ],
        )
        ax.set_ylabel("Week starting")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        current = None if plan.stopped_on is not None else current_block(plan, today)
        where = (
            f"block {plan.blocks.index(current) + 1} of {2 * plan.pairs}, on {current.arm}"
            if current
            else f"stopped on {plan.stopped_on:%d %b %Y}"
            if plan.stopped_on is not None
            else f"{state(plan, today)}, {2 * plan.pairs} blocks"
        )
        ax.set_title(f"Routine trial: {where}", pad=34)
        ax.set_xlabel(
            f"A: {plan.a_label}    B: {plan.b_label}\n"
            f"P1-P{plan.pairs}: block pairs, order drawn from seed {plan.seed}"
            + ("; numbers: outcome" if ratings is not None else "; today outlined"),
            labelpad=10,
        )
        handles = [
            Patch(facecolor=ARM_STYLE["A"][0], edgecolor="#555555", label="A"),
            Patch(facecolor=ARM_STYLE["B"][0], edgecolor="#555555", label="B"),
            Patch(
                facecolor="#bbbbbb",
                hatch="//",
                edgecolor="#555555",
                label="Washout (not counted)",
            ),
        ]
        if plan.run_in_days:
            handles.append(
                Patch(
                    facecolor=ARM_STYLE["run-in"][0],
                    hatch="..",
                    edgecolor="#555555",
                    label="Run-in",
                )
            )
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    return fig
