"""Small pieces every kneekit view shares: big readable text, figures as images, sounds."""

from __future__ import annotations

import base64
import html
import io
import math
import struct
import wave
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import ipywidgets as w

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIDE_WORDS = {"left": "Left leg", "right": "Right leg", "both": "Both legs"}
NOTICES = {"ok": ("#1b5e20", "✔"), "error": ("#b71c1c", "✖"), "info": ("#0d47a1", "•")}


def text(value: str, size: str = "1.2em", weight: str = "normal", cls: str = "") -> str:
    """Escaped HTML for a line of text at a given size: user data never becomes markup."""
    return (
        f'<div class="{cls}" style="font-size:{size};font-weight:{weight};line-height:1.25">'
        f"{html.escape(value)}</div>"
    )


def message(kind: str, value: str) -> str:
    """A coloured notice, doubled by a symbol so it survives greyscale and colour-blindness."""
    colour, icon = NOTICES[kind]
    return (
        f'<div class="kneekit-{kind}" style="color:{colour};font-size:1.1em">'
        f"{icon} {html.escape(value)}</div>"
    )


NOTHING = 0
"""The value of a dropdown's "none of these" choice (the kneekit default routine, no client yet).

ipywidgets takes a value of None to mean "nothing selected" and then shows an empty box, even
when an option's value is None, so such a choice needs a value of its own; no record's id is 0
(SQLite and PostgreSQL number rows from 1)."""


def chosen(dropdown: w.Dropdown) -> Any:
    """A dropdown's value, with :data:`NOTHING` read back as None."""
    return None if dropdown.value == NOTHING else dropdown.value


KEEP = object()
"""For :func:`offer`: keep the dropdown's current choice if it is still offered."""


def offer(dropdown: w.Dropdown, options: Sequence[tuple[str, Any]], prefer: Any = KEEP) -> None:
    """Give ``dropdown`` new options and choose one, so that it never looks empty.

    ipywidgets 8 leaves a dropdown that had no options unselected when options arrive, and shows
    it blank. The choice is ``prefer`` (by default the current one) if it is offered, else the
    first option. None, as an option's value or as ``prefer``, stands for :data:`NOTHING`.
    """
    options = [(label, NOTHING if value is None else value) for label, value in options]
    values = [value for _, value in options]
    if prefer is KEEP:  # the current choice, or the first option if there is none
        wanted = dropdown.value if dropdown.index is not None else KEEP
    else:
        wanted = NOTHING if prefer is None else prefer
    if tuple(options) != tuple(dropdown.options):  # the same again: nothing to send
        dropdown.options = options
    dropdown.index = values.index(wanted) if wanted in values else 0 if values else None


def replace_children(box: w.Box, children: Sequence[w.Widget]) -> None:
    """Show ``children`` in ``box`` and close the widgets they replace.

    ipywidgets keeps every widget alive until it is closed (the kernel holds each one so the
    browser can find it), so a view that redraws by assigning ``.children`` leaks everything it
    drew before; a clinic kernel runs all day. Widgets kept in the new children stay open, and
    so do their descendants.
    """
    keep = {id(c) for c in _tree(children)}
    old = [c for c in _tree(box.children) if id(c) not in keep]
    box.children = tuple(children)
    for child in old:
        child.close()


def _tree(widgets: Iterable[w.Widget]) -> list[w.Widget]:
    """Every widget in ``widgets`` and, for boxes, everything inside them.

    A widget's ``layout`` and ``style`` are widgets of their own, kept alive like any other, so
    they count as inside it (a layout shared with a widget that stays is kept by that widget).
    """
    out: list[w.Widget] = []
    for widget in widgets:
        out.append(widget)
        out.extend(
            part
            for part in (getattr(widget, "layout", None), getattr(widget, "style", None))
            if isinstance(part, w.Widget)
        )
        if isinstance(widget, w.Box):
            out.extend(_tree(widget.children))
    return out


def figure_image(fig: Figure, width: str = "100%") -> w.HTML:
    """A figure as a PNG in an ``<img>`` with alt text: no Output capture, so it renders the same
    under Voilà, and a screen reader hears what the figure is (its titles), which an
    ``ipywidgets.Image`` cannot say (it has no alt text; axe-core's image-alt rule)."""
    from kneekit.figstyle import to_png  # matplotlib is already loaded: there is a figure

    titles = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
    alt = ". ".join(t for t in titles if t) or "A figure of the records shown in words on this page"
    data = base64.b64encode(to_png(fig)).decode("ascii")
    return w.HTML(
        f'<img class="kneekit-figure" alt="{html.escape(alt)}" style="width:100%;height:auto" '
        f'src="data:image/png;base64,{data}">',
        layout=w.Layout(width=width),
    )


@cache
def tone(frequency: float, seconds: float, volume: float = 0.5) -> bytes:
    """A short sine beep as WAV bytes, with 5 ms fades so it does not click."""
    rate = 22050
    count = int(rate * seconds)
    fade = int(rate * 0.005)
    frames = bytearray()
    for i in range(count):
        envelope = min(1.0, i / fade, (count - i) / fade)
        sample = volume * envelope * math.sin(2 * math.pi * frequency * i / rate)
        frames += struct.pack("<h", int(sample * 32767))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


#: What each transition sounds like: count-in ticks are short, a new hold is higher and longer.
SOUNDS = {
    "count": (660.0, 0.12),
    "hold": (880.0, 0.35),
    "change": (523.0, 0.35),
    "done": (784.0, 0.8),
}
