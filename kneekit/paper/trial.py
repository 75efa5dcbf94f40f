"""The trial report: an A4 PDF laid out along the CENT 2015 items that apply to a single trial.

CENT (CONSORT extension for N-of-1 Trials; Vohra et al., BMJ 2015;350:h1738) is written for
published series of trials; the items kept here are those one clinician's trial with one runner
can answer (design, interventions, outcome, randomisation, blinding, methods, flow, results per
period, estimate, ancillary analysis, harms, limitations, interpretation). Item numbers follow
CENT's, so the report can be checked against the checklist. The JSON is
:meth:`kneekit.trials.judge.TrialResult.to_json`.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from kneekit.figstyle import style
from kneekit.history import History
from kneekit.paper.pdf import A4_PORTRAIT, Block, check_target, save_pdf, text_pages
from kneekit.paper.report import NOTE
from kneekit.trials.figures import plan_calendar
from kneekit.trials.judge import MIN_RATED_DAYS, TrialResult, high_days
from kneekit.trials.plan import last_day, outcome_by_day


def _f(x: float | None, fmt: str = ".1f") -> str:
    return "–" if x is None else format(x, fmt)


def trial_blocks(result: TrialResult, history: History) -> list[Block]:
    """The report's words as (kind, text) blocks, one heading per CENT item group."""
    plan = result.plan
    knee = "the sorer knee" if plan.knee == "sorer" else f"the {plan.knee} knee"
    outcome = (
        "next-morning soreness (0–10) of " + knee + ", counted for the day before the rating"
        if plan.outcome == "next-morning"
        else "every soreness rating (0–10) of " + knee + ", the highest of each day"
    )
    out: list[Block] = [
        ("title", "Routine trial report (n-of-1, randomised block pairs)"),
        ("name", history.name),
        ("text", f"Records up to {result.today:%d %b %Y}. Prepared with kneekit."),
        ("heading", "Design and interventions (CENT 3a, 5)"),
        ("bullet", f"Routine A: {plan.a_label}. Routine B: {plan.b_label}."),
        (
            "bullet",
            f"{plan.pairs} pairs of {plan.block_days}-day blocks from "
            f"{plan.first_block:%d %b %Y} to {plan.end:%d %b %Y}; the first "
            f"{plan.washout_days} day(s) after each switch left out (washout)"
            + (f"; a {plan.run_in_days}-day run-in first." if plan.run_in_days else "."),
        ),
        ("heading", "Outcome and threshold, set before the start (CENT 6a, 7a)"),
        ("bullet", f"Outcome: {outcome}."),
        ("bullet", f"Smallest difference that matters: {plan.threshold:g} point(s)."),
        ("heading", "Randomisation (CENT 8a, 8b, 10)"),
        (
            "text",
            f"The order within each pair (AB or BA, equal chance) was drawn by kneekit from seed "
            f"{plan.seed} (Python's Mersenne Twister): {', '.join(plan.orders)}. "
            + (
                "Redrawing from the seed gives the same orders."
                if plan.matches_seed()
                else "WARNING: the stored orders do not follow from the seed."
            )
            + " Each block's routine was assigned to the client on its dates, so the "
            "client's page played it without the client choosing.",
        ),
        ("heading", "Blinding (CENT 11a)"),
        (
            "text",
            "None: the runner does the routine and rates the soreness, so knows which "
            "routine is on (though the page names routines, not A or B).",
        ),
        ("heading", "Statistical methods (CENT 12a)"),
        (
            "text",
            "Per block pair, mean outcome on A and on B over the days after the washout (a block "
            f"needs {MIN_RATED_DAYS} rated days); difference B minus A. The mean difference "
            "over pairs with a 95% paired-t interval (Kravitz & Duan 2014, AHRQ n-of-1 guide); "
            "an exact randomisation test over every order the plan could have drawn; the "
            "differences regressed on the pairs' differences in weekly distance, for load.",
        ),
        ("heading", "Flow: what was done in each block (CENT 13a, 14b, 16)"),
    ]
    if plan.stopped_on is not None:
        out.append(("bullet", f"Stopped early on {plan.stopped_on:%d %b %Y}: {plan.stop_reason}"))
    for b in result.blocks:
        out.append(
            (
                "bullet",
                f"Pair {b.block.pair}, {b.block.arm} ({b.block.start:%d %b}–{b.block.end:%d %b}): "
                f"{b.rated_days} day(s) rated, {b.missing_days} missing; mean {_f(b.mean)}; "
                f"{b.km:.1f} km run ({_f(b.weekly_km)} km a week); {b.sessions} stretch "
                f"session(s), {b.sessions_on_arm} on this block's routine, "
                f"{b.held_s / 60:.0f} min held.",
            )
        )
    out.append(("heading", "Results per pair and estimate (CENT 17a)"))
    out += [
        (
            "bullet",
            f"Pair {p.pair} ({p.order}): A {_f(p.a)}, B {_f(p.b)}, B minus A {_f(p.diff, '+.1f')}",
        )
        for p in result.pairs
    ]
    out.append(("text", result.words))
    out.append(("heading", "Running load (CENT 18, ancillary analysis)"))
    fit = result.load
    out.append(
        (
            "text",
            (
                "Weekly distance differed between the arms by more than 10%. "
                if result.load_differed
                else "Weekly distance was within 10% on both arms. "
            )
            + (
                f"Adjusted for the pairs' differences in weekly distance, B minus A is "
                f"{fit.adjusted:+.1f}"
                + (
                    f" (95% interval {fit.interval[0]:+.1f} to {fit.interval[1]:+.1f})"
                    if fit.interval
                    else ""
                )
                + f"; each 10 km a week more on B went with {fit.per_10km:+.1f} points."
                if fit is not None
                else "Too few complete pairs, or too little spread in distance, to adjust."
            ),
        )
    )
    out.append(("heading", "Harms (CENT 19)"))
    high = high_days(plan, history, result.today)
    out.append(
        (
            "text",
            f"Days with the outcome above 5 (the high zone, Silbernagel et al. 2007): "
            f"{high['A']} on A, {high['B']} on B. kneekit's flags kept running during the trial.",
        )
    )
    out.append(("heading", "Limitations and interpretation (CENT 20–22)"))
    out += [("bullet", c) for c in result.caveats]
    out += [("heading", "About this report"), ("text", NOTE)]
    return out


def _calendar_page(result: TrialResult, history: History) -> Figure:
    """The plan calendar, with each day's outcome, on an A4 page of its own (kept vector)."""
    ratings = outcome_by_day(result.plan, history)
    return plan_calendar(result.plan, result.today, ratings, figsize=A4_PORTRAIT)


def write_trial_report(result: TrialResult, history: History, path: Path) -> Path:
    """Write the trial report as an A4 PDF (words, then the calendar); returns its path.

    Raises ReportError when ``path`` is a folder or its folder is missing or not writable.
    """
    path = check_target(path)
    with style():
        figures = list(text_pages(trial_blocks(result, history)))
        figures.append(_calendar_page(result, history))
    metadata = {
        "Title": f"Routine trial report: {history.name}",
        "Author": "kneekit",
        "Subject": f"Records to {result.today:%d %b %Y}; trial to {last_day(result.plan):%d %b %Y}",
        "CreationDate": None,
    }
    return save_pdf(figures, path, metadata, "trial report")
