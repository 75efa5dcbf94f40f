"""The knee questionnaire's trend: AKPS scores over time, with the change patients notice marked.

A band of :data:`kneekit.outcomes.akps.MCID` points above and below the first score shows at a
glance whether later scores moved by more than noise. Only scores from one instrument file are drawn
(:func:`kneekit.outcomes.akps.comparable`); the figure says when others were left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from kneekit.figstyle import style
from kneekit.outcomes.akps import MAX_SCORE, MCID, Score, comparable

LINE = {"color": "#1f3b73", "marker": "o", "linestyle": "-", "linewidth": 2.5, "markersize": 9}
BAND = "#cfe0f3"
"""The score line in the trend figure's dark blue; the MCID band a pale blue, hatched as well so
it survives greyscale printing."""


def akps_trend(scores: Sequence[Score], title: str = "Knee questionnaire (AKPS)") -> Figure:
    """AKPS scores against date (0-100, higher is better), the MCID band around the first.

    Returns a Figure (no pyplot); the band's label names the source of the 10 points.
    """
    same = comparable(scores)
    with style():
        fig = Figure(figsize=(10, 6.5))
        ax = fig.add_axes((0.09, 0.3, 0.88, 0.6))
        ax.set_title(title, loc="left")
        ax.set_ylim(0, MAX_SCORE + 12)  # room for the label of a top score
        ax.set_yticks(range(0, MAX_SCORE + 1, 20))
        ax.set_ylabel("Score (100 = no trouble)")
        if not same:
            ax.text(0.5, 0.5, "Not filled in yet", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            return fig
        days = [mdates.date2num(s.at.date()) for s in same]
        totals = [s.total for s in same]
        first = totals[0]
        ax.axhspan(
            max(0, first - MCID),
            min(MAX_SCORE, first + MCID),
            facecolor=BAND,
            hatch="..",
            edgecolor="#8fb3dc",
            linewidth=0,
            label=f"within {MCID} points of the first score: a change patients may not notice "
            "(Crossley et al. 2004)",
            gid="akps-mcid-band",
        )
        ax.axhline(
            first + MCID,
            color="#1b7837",
            linestyle=":",
            linewidth=2,
            gid="akps-mcid-line",
            label=f"first score + {MCID}: above it, better by a change patients notice",
        )
        ax.plot(days, totals, label="AKPS score", **LINE)  # type: ignore[arg-type]
        for day, total in zip(days, totals, strict=True):
            ax.annotate(
                f"{total}", (day, total), textcoords="offset points", xytext=(0, 10), ha="center"
            )
        pad = 7.0
        ax.set_xlim(min(days) - pad, max(days) + pad)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
        left_out = len(scores) - len(same)
        note = f" ({left_out} from another questionnaire file not shown)" if left_out else ""
        fig.legend(loc="lower left", bbox_to_anchor=(0.01, 0.01), frameon=False, fontsize=11)
        fig.text(0.015, 0.145, f"Questionnaire: {same[-1].instrument}{note}", fontsize=11)
    return fig
