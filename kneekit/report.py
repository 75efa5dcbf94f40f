"""The progress report: a PDF a physio can hand over, with the summary in words and the figures."""

from __future__ import annotations

import os
import random
import secrets
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from kneekit import plots, trends, variants
from kneekit.adherence import adherence, first_day
from kneekit.akps import Score, latest_akps_words
from kneekit.akpsplots import akps_trend
from kneekit.errors import Problem, ReportError
from kneekit.flags import Thresholds
from kneekit.history import History
from kneekit.review import review
from kneekit.routines import DOSE_GUIDELINE_S, Routine, format_duration

A4_PORTRAIT = (8.27, 11.69)
"""Every page is A4 so it prints as it looks: text pages upright, figure pages on their side."""
A4_LANDSCAPE = (A4_PORTRAIT[1], A4_PORTRAIT[0])

NOTE = (
    "kneekit summarises what the client recorded; it advises and does not diagnose. Soreness "
    "changes for many reasons (running load, sleep, other treatment, time itself), so a change "
    "here is a prompt for a conversation, not proof of what caused it. Stretching is an adjunct: "
    "for runners' knee pain, exercise that strengthens the hip and knee muscles comes first "
    "(patellofemoral pain consensus, Crossley et al. 2016), and there is no promise that "
    "stretching relieves soreness."
)
"""The honest note on every report (see also the package docstring)."""

_WRAP = 82  # characters per line of 11 pt text across an A4 page with 2 cm margins
_LINE_IN = 0.21  # line height in inches at 11 pt


Block = tuple[str, str]  # (kind, text): kind is "title", "name", "heading", "text" or "bullet"


def summary(
    history: History, routine: Routine | None, today: date, rng: random.Random
) -> list[Block]:
    """The report's words as (kind, text) blocks: what the summary pages say, in order."""
    seen = review(history, today, thresholds=Thresholds.from_settings())
    first = first_day(history)
    span = f"Records from {first:%d %b %Y} to {today:%d %b %Y}" if first else "No records yet"
    out: list[Block] = [
        ("title", "Knee soreness progress report"),
        ("name", history.name),
        ("text", f"{span}. Prepared on {today:%d %b %Y} with kneekit."),
        ("heading", "Worth a look"),
    ]
    out += [("bullet", f"{f} ({f.source}; {f.start:%d %b} to {f.end:%d %b})") for f in seen.flags]
    if not seen.flags:
        out.append(
            (
                "text",
                "Nothing flagged: soreness within the pain-monitoring limits, not rising and not "
                "worse than at the start; no sudden jump in running; stretching after most runs; "
                "check-ins up to date.",
            )
        )
    out.append(("heading", "Soreness now and since the start"))
    for knee, state in seen.knees.items():
        now = (
            f"7-day average {state.mean7:.1f} ({state.zone} zone)"
            if state.mean7 is not None
            else "no ratings in the last 7 days"
        )
        since = trends.change_from_baseline(history, knee, today).words
        out.append(("bullet", f"{knee.capitalize()} knee: {now}. Since the start: {since}"))
    out.append(
        (
            "text",
            "A change counts as meaningful at about 2 points or 30% on the 0–10 scale "
            "(Farrar et al. 2001). Zones: 0–2 safe, 3–5 acceptable, above 5 high "
            "(pain-monitoring model, Silbernagel et al. 2007).",
        )
    )
    whole = adherence(history, today, days=None)
    out += [
        ("heading", "Stretching after runs"),
        ("bullet", f"{str(seen.adherence).capitalize()}."),
        ("bullet", f"Whole record, since {whole.start:%d %b %Y}: {whole.counts}."),
        ("heading", "Routine in use"),
    ]
    spell = trends.assignment_on(history, today)
    if spell is not None:
        out.append(("text", f"{spell.label}, since {spell.since:%d %b %Y}."))
    if routine is None:
        out.append(("text", "No routine given for this report."))
    else:
        out.append(
            (
                "text",
                f"{routine.name}: {len(routine.steps)} steps, "
                f"{format_duration(routine.total_s)} in all. Seconds held per session "
                f"(guideline about {DOSE_GUIDELINE_S} s per muscle group and leg, "
                "ACSM, Garber et al. 2011):",
            )
        )
        for group, legs in routine.dose().items():
            out.append(
                ("bullet", f"{group.capitalize()}: left {legs['left']} s, right {legs['right']} s.")
            )
        out += [("bullet", f"Worth a look: {w}") for w in routine.warnings() + routine.shortfalls()]
    comparison = variants.compare_variants(history, today, rng)
    if comparison.differences:
        out.append(("heading", "Routine versions compared (one person's records)"))
        out += [("bullet", str(d)) for d in comparison.differences]
        out.append(("text", "Read with care:"))
        out += [("bullet", c) for c in comparison.caveats]
    out += [("heading", "About this report"), ("text", NOTE)]
    return out


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


def check_target(path: Path) -> None:
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


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it only when complete: no half reports."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        yield temp
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_report(
    history: History,
    routine: Routine | None,
    path: Path,
    today: date,
    *,
    rng: random.Random | None = None,
    akps_scores: Sequence[Score] = (),
) -> Path:
    """Write a client's progress report as a multi-page PDF and return its path.

    Pages: the summary in words (flags, change from baseline, adherence, the routine in use and
    its dose, a comparison of routine versions when there were several, and an honest note), then
    the soreness trend, the adherence calendar, given knee questionnaire scores their trend, and
    given a routine, its timeline and dose. The
    file appears only once complete. ``rng`` drives the bootstrap of the version comparison; the
    default is seeded, so the same records always give the same report.

    Raises
    ------
    ReportError
        When ``path`` is a folder or its folder is missing or not writable.
    """
    path = Path(path)
    check_target(path)
    rng = rng or random.Random(0)
    with plots.style():
        blocks = summary(history, routine, today, rng)
        if akps_scores:
            at = next(i for i, b in enumerate(blocks) if b == ("heading", "Routine in use"))
            blocks[at:at] = [
                ("heading", "Knee questionnaire"),
                ("text", latest_akps_words(akps_scores)),
            ]
        figures = list(text_pages(blocks))
    figures += [plots.soreness_trend(history, today), plots.adherence_calendar(history, today)]
    if akps_scores:
        figures.append(akps_trend(akps_scores))
    if routine is not None:
        figures += [plots.routine_timeline([routine]), plots.dose_chart([routine])]
    metadata = {
        "Title": f"Knee soreness progress report: {history.name}",
        "Author": "kneekit",
        "Subject": f"Records to {today:%d %b %Y}",
        "CreationDate": None,  # same records, same file
    }
    return save_pdf(figures, path, metadata, "report")


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
