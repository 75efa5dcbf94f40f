"""One way to make kneekit's paper: A4 pages of laid-out text, and a PDF that appears only when
complete. The report, the handout and the trial report all come out through here."""

from __future__ import annotations

import os
import secrets
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from kneekit.errors import Problem, ReportError

A4_PORTRAIT = (8.27, 11.69)
"""Every page is A4 so it prints as it looks: text pages upright, figure pages on their side."""
A4_LANDSCAPE = (A4_PORTRAIT[1], A4_PORTRAIT[0])

_WRAP = 82  # characters per line of 11 pt text across an A4 page with 2 cm margins
_LINE_IN = 0.21  # line height in inches at 11 pt


Block = tuple[str, str]  # (kind, text): kind is "title", "name", "heading", "text" or "bullet"


_SIZES = {"title": (15, "normal", 1.2), "name": (24, "bold", 1.3), "heading": (14, "bold", 1.15)}


def text_pages(blocks: list[Block]) -> Iterator[Figure]:
    """Lay the blocks out top to bottom on A4 pages, starting a new page when one is full.

    A heading never ends a page: it moves on with the block that follows it.
    """
    width, height = A4_PORTRAIT
    margin = 0.75
    laid = []
    for kind, text in blocks:
        size, weight, lead = _SIZES.get(kind, (11, "normal", 1.0))
        indent = 0.25 if kind == "bullet" else 0.0
        lines = textwrap.wrap(text, int((_WRAP - (3 if indent else 0)) * 11 / size))
        step = _LINE_IN * lead * size / 11
        before = 0.2 if kind == "heading" else 0.0
        laid.append((kind, lines, size, weight, indent, step, before + step * len(lines) + 0.06))
    fig, y = None, 0.0
    for i, (kind, lines, size, weight, indent, step, tall) in enumerate(laid):
        needed = tall + (laid[i + 1][-1] if kind == "heading" and i + 1 < len(laid) else 0)
        if fig is None or y - needed < margin:
            if fig is not None:
                yield fig
            fig, y = Figure(figsize=A4_PORTRAIT), height - margin
        y -= 0.2 if kind == "heading" else 0.0
        for n, line in enumerate(lines):
            if kind == "bullet" and n == 0:
                fig.text(margin / width, y / height, "•", fontsize=size, va="top")
            x = (margin + indent) / width
            fig.text(x, y / height, line, fontsize=size, fontweight=weight, va="top")
            y -= step
        y -= 0.06
    if fig is not None:
        yield fig


def check_target(path: Path | str) -> Path:
    """``path`` as a Path, once it is known a PDF can be written there: checked before any page
    is drawn, so a wrong folder costs the physio no wait."""
    path = Path(path)
    problems = []
    if path.is_dir():
        problems.append(
            Problem(str(path), "", "this is a folder; give a file name such as report.pdf.")
        )
    elif not path.parent.is_dir():
        problems.append(
            Problem(
                str(path),
                "",
                f"the folder {path.parent} does not exist; create it or choose another place.",
            )
        )
    elif not os.access(path.parent, os.W_OK):
        problems.append(
            Problem(
                str(path),
                "",
                f"kneekit may not write in {path.parent}; choose a folder you can save files in.",
            )
        )
    if problems:
        raise ReportError(problems)
    return path


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it only when complete: no half reports."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        yield temp
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def save_pdf(figures: Iterable[Figure], path: Path, metadata: dict[str, Any], what: str) -> Path:
    """Write ``figures`` as the pages of a PDF at ``path``, every page A4 (a figure not drawn
    on A4 upright goes on A4 on its side), appearing only once complete; ``what`` names the
    document in the message if it cannot be saved. The report, the handout and the trial
    report all come out this way."""
    try:
        with _replacing(path) as temp, PdfPages(temp, metadata=metadata) as pdf:
            for fig in figures:
                if tuple(fig.get_size_inches()) != A4_PORTRAIT:
                    fig.set_size_inches(A4_LANDSCAPE)  # figures are wide: A4 on its side
                pdf.savefig(fig)
    except OSError as error:
        raise ReportError(
            [Problem(str(path), "", f"the {what} could not be saved ({error.strerror}).")]
        ) from error
    return path
