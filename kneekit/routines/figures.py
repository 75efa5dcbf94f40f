"""Figures of routines: each routine's steps on a timeline, and the dose each muscle group gets."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from kneekit.figstyle import key, style
from kneekit.routines.routine import DOSE_GUIDELINE_S, Routine, StepKind, format_duration

KIND_STYLE: dict[StepKind, tuple[str, str, str]] = {
    "hold": ("#1f3b73", "", "Hold"),
    "prepare": ("#cfe0f3", "..", "Get into position"),
    "switch": ("#f2b66d", "//", "Change legs"),
    "rest": ("#e6e6e6", "\\\\", "Rest"),
}
"""Step kinds: colour, hatch and legend words; holds are the darkest, as they matter most."""

ROUTINE_COLOURS = ("#1f3b73", "#e69f00", "#009e73", "#cc79a7")
"""Okabe–Ito colours, readable with colour blindness; legs are told apart by hatching as well."""


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
        key(fig, KIND_STYLE.values(), ncol=4, edgecolor="#333333")
    return fig


def dose_chart(routines: Sequence[Routine]) -> Figure:
    """Seconds held per muscle group and leg in one session, against the ~60 s guideline.

    The guideline is the ACSM position stand (Garber et al. 2011): accumulate about 60 s per
    flexibility exercise; see kneekit.routines.routine.DOSE_GUIDELINE_S.
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
