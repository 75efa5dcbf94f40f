"""The house style of kneekit's figures, and how a figure becomes a PNG for a page."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from matplotlib.patches import Patch

if TYPE_CHECKING:
    from matplotlib.figure import Figure
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


@contextmanager
def style() -> Iterator[None]:
    """Build figures inside this block to get the house STYLE."""
    with mpl.rc_context(STYLE):
        yield


def to_png(fig: Figure) -> bytes:
    """The figure as a PNG for a page: 90 dpi makes the 12 in trend figure 1080 px across (sharp
    on a phone or a small laptop; a wider page scales it up). No tight bounding box: kneekit's
    figures set their own margins."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=SCREEN_DPI)
    return buffer.getvalue()


def key(fig: Figure, styles: Iterable[tuple[str, str, str]], *, ncol: int, edgecolor: str) -> None:
    """A legend of (colour, hatch, words) swatches along the bottom of a constrained-layout
    figure: the colours of a figure printed in grey still tell apart by their hatching."""
    handles = [Patch(facecolor=c, hatch=h, edgecolor=edgecolor, label=w) for c, h, w in styles]
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False)
