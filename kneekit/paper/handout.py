"""A client's routine on paper: an A4 handout with each stretch's picture, hold, sides and cues,
and a QR code of their own page's link, for the fridge door or the gym bag.

The pictures are kneekit's SVG drawings, redrawn here with matplotlib from the few SVG shapes they
use (lines, polylines, circles, rectangles), so the handout needs no SVG renderer.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from kneekit.paper.pdf import A4_PORTRAIT, check_target, save_pdf

if TYPE_CHECKING:
    from kneekit.routines.routine import Prescription, Routine

STRETCHES_PER_PAGE = 3
"""Three stretches fill an A4 page with pictures big enough to follow (about 5 cm); the first
page, which carries the QR code, holds one fewer."""
PICTURE_IN = 2.0
"""Each picture's side in inches (about 5 cm): clear from arm's length."""
ADVICE = (
    "Stretch gently, never into pain. Stretching is an adjunct: for runners' knee pain, "
    "strengthening comes first. Ask your physio if anything hurts or worries you."
)
_SVG = "{http://www.w3.org/2000/svg}"


def _points(text: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in text.replace(",", " ").split()]
    return list(zip(numbers[::2], numbers[1::2], strict=False))


def draw_svg(ax: Axes, svg: str) -> bool:
    """Draw a simple SVG (lines, polylines, circles, rects) on ``ax``; False if unreadable."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return False
    box = [float(v) for v in (root.get("viewBox") or "0 0 240 240").split()]
    ax.set_xlim(box[0], box[0] + box[2])
    ax.set_ylim(box[1] + box[3], box[1])  # SVG's y runs down the page
    ax.set_aspect("equal")
    ax.axis("off")

    def walk(node: ET.Element, inherited: dict[str, str]) -> None:
        style = inherited | {k: v for k, v in node.attrib.items() if not k.startswith("{")}
        tag = node.tag.removeprefix(_SVG)
        stroke = style.get("stroke", "none")
        colour = None if stroke == "none" else stroke
        width = float(style.get("stroke-width", "1")) * 0.55  # 240 user units across ~ 6 cm
        alpha = float(style.get("stroke-opacity", "1"))
        fill = style.get("fill", "none") if tag in ("circle", "rect") else "none"
        if tag in ("polyline", "line"):
            pts = (
                _points(style.get("points", ""))
                if tag == "polyline"
                else [
                    (float(style["x1"]), float(style["y1"])),
                    (float(style["x2"]), float(style["y2"])),
                ]
            )
            if colour and pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(
                    xs,
                    ys,
                    color=colour,
                    lw=width,
                    alpha=alpha,
                    solid_capstyle="round",
                    solid_joinstyle="round",
                )
        elif tag == "circle":
            ax.add_patch(
                Circle(
                    (float(style["cx"]), float(style["cy"])),
                    float(style["r"]),
                    facecolor=None if fill == "none" else fill,
                    fill=fill != "none",
                    edgecolor=colour or "none",
                    lw=width,
                )
            )
        elif tag == "rect" and style.get("width") and style.get("height"):
            x, y = float(style.get("x", "0")), float(style.get("y", "0"))
            ax.add_patch(
                Rectangle(
                    (x, y),
                    float(style["width"]),
                    float(style["height"]),
                    facecolor=None if fill == "none" else fill,
                    fill=fill != "none",
                    edgecolor=colour or "none",
                    lw=width,
                )
            )
        for child in node:
            walk(child, {k: v for k, v in style.items() if k in ("stroke", "stroke-width", "fill")})

    walk(root, {})
    return True


def _sides(routine: Routine, prescription: Prescription) -> str:
    sides = prescription.hold_sides(routine.first_side)
    words = {"left": "left leg", "right": "right leg", "both": "both legs together"}
    order = " then ".join(words[s] for s in sides)
    reps = f", {prescription.reps} times" if prescription.reps > 1 else ""
    return f"Hold {prescription.hold} s: {order}{reps}"


def _qr(ax: Axes, link: str) -> None:
    import segno

    code = segno.make(link, error="m")
    ax.imshow(
        [[0 if dark else 1 for dark in row] for row in code.matrix],
        cmap="gray",
        interpolation="nearest",
        vmin=0,
        vmax=1,
    )
    ax.axis("off")


def pages(routine: Routine, name: str, link: str) -> Iterator[Figure]:
    """The handout's A4 pages, each a matplotlib Figure."""
    width, height = A4_PORTRAIT
    first = STRETCHES_PER_PAGE - 1
    rest = routine.prescriptions[first:]
    chunks = [routine.prescriptions[:first]] + [
        rest[i : i + STRETCHES_PER_PAGE] for i in range(0, len(rest), STRETCHES_PER_PAGE)
    ]
    for number, chunk in enumerate(chunks, 1):
        fig = Figure(figsize=A4_PORTRAIT)
        top = 1 - 0.7 / height
        if number == 1:
            fig.text(0.08, top, f"Your stretches, {name}", fontsize=20, weight="bold", va="top")
            fig.text(
                0.08,
                top - 0.04,
                f"{routine.name} · about {routine.total_s // 60} min after each run",
                fontsize=12,
                va="top",
            )
            fig.text(
                0.08,
                top - 0.07,
                "Follow along on your phone: scan the code.",
                fontsize=11,
                va="top",
            )
            fig.text(0.08, top - 0.095, link, fontsize=7.5, va="top", family="monospace", wrap=True)
            _qr(fig.add_axes((0.74, top - 0.16, 0.18, 0.18 * width / height)), link)
            y = top - 0.2
        else:
            fig.text(
                0.08,
                top,
                f"Your stretches, {name} (page {number})",
                fontsize=14,
                weight="bold",
                va="top",
            )
            y = top - 0.05
        for prescription in chunk:
            stretch = prescription.stretch
            pic = fig.add_axes(
                (0.07, y - PICTURE_IN / height, PICTURE_IN / width, PICTURE_IN / height)
            )
            svg = stretch.picture_svg()
            if svg is None or not draw_svg(pic, svg):
                pic.axis("off")
            fig.text(0.34, y - 0.005, stretch.name, fontsize=14, weight="bold", va="top")
            fig.text(0.34, y - 0.035, _sides(routine, prescription), fontsize=11.5, va="top")
            lines = []
            for i, cue in enumerate(stretch.cues, 1):
                wrapped = textwrap.wrap(cue, 62)
                lines.append(f"{i}. {wrapped[0]}")
                lines += [f"    {rest}" for rest in wrapped[1:]]
            fig.text(0.34, y - 0.062, "\n".join(lines), fontsize=9.5, va="top", linespacing=1.35)
            y -= 0.27
        fig.text(
            0.08,
            0.045,
            "\n".join(textwrap.wrap(ADVICE, 100)),
            fontsize=8.5,
            va="bottom",
            style="italic",
        )
        yield fig


def write_handout(routine: Routine, name: str, link: str, path: Path) -> Path:
    """Write the handout PDF (every page A4) and return its path; it appears only once complete.

    Raises
    ------
    ReportError
        When ``path`` is a folder or its folder is missing or not writable.
    """
    path = check_target(path)
    metadata = {"Title": f"Stretching routine: {name}", "Author": "kneekit", "CreationDate": None}
    return save_pdf(pages(routine, name, link), path, metadata, "handout")
