"""The progress report: a PDF a physio can hand over, with the summary in words and the figures."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from kneekit.figstyle import style
from kneekit.history import History
from kneekit.outcomes.akps import Score, latest_akps_words
from kneekit.outcomes.figures import akps_trend
from kneekit.paper.pdf import Block, check_target, save_pdf, text_pages
from kneekit.progress import figures as plots
from kneekit.progress import trends, variants
from kneekit.progress.adherence import adherence, first_day
from kneekit.progress.review import review
from kneekit.progress.thresholds import Thresholds
from kneekit.routines.figures import dose_chart, routine_timeline
from kneekit.routines.routine import DOSE_GUIDELINE_S, Routine, format_duration

NOTE = (
    "kneekit summarises what the client recorded; it advises and does not diagnose. Soreness "
    "changes for many reasons (running load, sleep, other treatment, time itself), so a change "
    "here is a prompt for a conversation, not proof of what caused it. Stretching is an adjunct: "
    "for runners' knee pain, exercise that strengthens the hip and knee muscles comes first "
    "(patellofemoral pain consensus, Crossley et al. 2016), and there is no promise that "
    "stretching relieves soreness."
)
"""The honest note on every report (see also the package docstring)."""


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
    path = check_target(path)
    rng = rng or random.Random(0)
    with style():
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
        figures += [routine_timeline([routine]), dose_chart([routine])]
    metadata = {
        "Title": f"Knee soreness progress report: {history.name}",
        "Author": "kneekit",
        "Subject": f"Records to {today:%d %b %Y}",
        "CreationDate": None,  # same records, same file
    }
    return save_pdf(figures, path, metadata, "report")
