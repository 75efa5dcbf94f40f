"""Judging a routine trial: outcome per block and pair, the estimate, its interval, the verdict.

The analysis the AHRQ guide describes for a paired n-of-1 design (Kravitz & Duan 2014):
each block pair gives one difference (B minus A, washout days left out), the pairs are averaged
with a paired-t 95% interval, and a randomisation test uses the orders the plan could have drawn.
The verdict is read against the threshold set before the trial began, and the limits that still
apply travel with it (CENT 2015 items 20–22, Vohra et al., BMJ 2015;350:h1738).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from kneekit.history import History, runs
from kneekit.outcomes.scale import ACCEPTABLE_MAX
from kneekit.trials import stats as trialstats
from kneekit.trials.plan import (
    Block,
    TrialPlan,
    missing_days,
    outcome_by_day,
    rated_until,
)

Verdict = Literal["b-lower", "a-lower", "no-important-difference", "cannot-tell"]

MIN_RATED_DAYS = 2
"""A block's mean needs at least two rated days: one day's rating is one day's noise (a
whole-number rating moves by a point from day to day on its own). kneekit's own choice."""
LOAD_DIFFERENCE = 0.10
"""Weekly distance differing by more than 10% between the arms is reported as "load differed".

Nielsen et al. 2014 (J Orthop Sports Phys Ther 44(10):739-47) grouped runners by weekly
progression and used under 10% as the reference band, so 10% is the smallest load change that
running-injury research has looked at; kneekit uses it as the line, not as a known effect size.
"""

CAVEATS = (
    "Carry-over: soreness on the first days of a block can still reflect the routine before it; "
    "the washout days are left out for this, but a longer lasting effect would shrink the "
    "difference.",
    "The runner knows which routine they are doing, and soreness is their own rating; "
    "expectations can move it (the trial could not be blinded).",
    "Soreness often eases with time on its own. Randomising the order within each pair "
    "balances this out on average, but with few pairs a trend can still tilt the estimate.",
    "Few blocks: with 3 or 4 pairs the interval is wide and the randomisation test cannot reach "
    "p < 0.05 (its smallest p with 4 pairs is 0.125); a trial is one person's evidence, "
    "not proof that the routine caused the difference, and it says nothing about other runners.",
)
"""The limits of a single runner's trial, shown with every verdict."""


@dataclass(frozen=True)
class BlockResult:
    """What happened in one block: outcome mean (washout left out), days rated and missing,
    distance run, and stretch sessions done (on the block's own routine, and holds)."""

    block: Block
    version_id: int
    mean: float | None
    rated_days: int
    missing_days: int
    km: float
    weekly_km: float | None
    sessions: int
    sessions_on_arm: int
    held_s: float


@dataclass(frozen=True)
class PairResult:
    """One block pair: mean outcome on A and on B, and B minus A (None if a block lacks data)."""

    pair: int
    order: str
    a: float | None
    b: float | None
    load: float | None  # weekly km on B minus on A

    @property
    def diff(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True)
class TrialResult:
    """The trial judged: blocks, pairs, estimate (B minus A) with its interval, p, load, verdict."""

    plan: TrialPlan
    today: date
    blocks: tuple[BlockResult, ...]
    pairs: tuple[PairResult, ...]
    paired: trialstats.PairedT | None
    p_randomisation: float | None
    load: trialstats.LoadFit | None
    load_differed: bool
    verdict: Verdict
    words: str
    caveats: tuple[str, ...] = CAVEATS

    def to_json(self) -> dict[str, Any]:
        """The report as JSON, in the shape of the CLI contract (issue #16)."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        load_fit = self.load
        return {
            "pairs": [
                {"pair": p.pair, "order": p.order, "a": r(p.a), "b": r(p.b), "diff": r(p.diff)}
                for p in self.pairs
            ],
            "estimate": r(self.paired.mean) if self.paired else None,
            "interval": [r(x) for x in self.paired.interval] if self.paired else None,
            "threshold": self.plan.threshold,
            "verdict": self.verdict,
            "words": self.words,
            "p_randomisation": r(self.p_randomisation),
            "load": {
                "blocks": [
                    {
                        "pair": b.block.pair,
                        "arm": b.block.arm,
                        "km": r(b.km),
                        "weekly_km": r(b.weekly_km),
                    }
                    for b in self.blocks
                ],
                "differed": self.load_differed,
                "adjusted_estimate": r(load_fit.adjusted) if load_fit else None,
                "adjusted_interval": (
                    [r(x) for x in load_fit.interval] if load_fit and load_fit.interval else None
                ),
                "per_10km_more_on_b": r(load_fit.per_10km) if load_fit else None,
            },
            "caveats": list(self.caveats),
        }


def daily_km(history: History) -> dict[date, float]:
    """Kilometres run each local day, counting runs as adherence does
    (:func:`kneekit.history.runs`):
    an imported run and the after-run check-in that rates it are one run."""
    km: dict[date, float] = {}
    for run in runs(history):
        km[run.day] = km.get(run.day, 0.0) + run.km
    return km


@dataclass(frozen=True)
class _Records:
    """What every block reads: the outcome and distance per day, sessions, and the last day."""

    history: History
    ratings: dict[date, int]
    km_on: dict[date, float]
    until: date


def _block(plan: TrialPlan, block: Block, records: _Records) -> BlockResult:
    history, ratings, km_on, until = (
        records.history,
        records.ratings,
        records.km_on,
        records.until,
    )
    days = [d for d in block.days() if d <= until]
    counted = [d for d in days if d >= block.analysed_from]
    values = [ratings[d] for d in counted if d in ratings]
    km = sum(km_on.get(d, 0.0) for d in days)
    done = [s for s in history.sessions if s.completed and block.start <= s.started_at.date()]
    done = [s for s in done if s.started_at.date() <= min(block.end, until)]
    version = plan.version(block.arm)
    return BlockResult(
        block,
        version,
        sum(values) / len(values) if len(values) >= MIN_RATED_DAYS else None,
        len(values),
        missing_days(block, ratings, until),
        km,
        km * 7 / len(days) if days else None,
        len(done),
        sum(s.version_id == version for s in done),
        sum(s.held_s for s in done),
    )


def judge(plan: TrialPlan, history: History, today: date) -> TrialResult:
    """Judge the trial on the records up to ``today`` (or up to the day it was stopped).

    Pairs missing either block's mean (too few ratings, or a block still under way) are shown
    but left out of the estimate. The verdict:

    - ``b-lower``: the interval lies below 0 and the estimate is at least the threshold
      below it: B's soreness was lower, by as much as the threshold on the best estimate.
    - ``a-lower``: the same the other way.
    - ``no-important-difference``: the whole interval lies within plus or minus the threshold.
    - ``cannot-tell``: anything else (the interval spans no difference and an important one,
      or fewer than two complete pairs).

    Requiring the interval to exclude 0 keeps false "lower" verdicts at most 2.5% for each
    direction when the routines do not differ (the test shows this on simulated runners).
    """
    until = rated_until(plan, today)
    records = _Records(history, outcome_by_day(plan, history), daily_km(history), until)
    blocks = tuple(_block(plan, b, records) for b in plan.blocks if b.start <= until)
    by_pair: dict[int, dict[str, BlockResult]] = {}
    for b in blocks:
        # A block still under way is shown but not yet compared: its mean would change. Once
        # a trial is stopped, its last block counts as far as it went (CENT item 14b).
        if b.block.end <= until or plan.stopped_on is not None:
            by_pair.setdefault(b.block.pair, {})[b.block.arm] = b
    pairs = []
    for pair, arms in sorted(by_pair.items()):
        on_a, on_b = arms.get("A"), arms.get("B")
        load = (
            on_b.weekly_km - on_a.weekly_km
            if on_a and on_b and on_a.weekly_km is not None and on_b.weekly_km is not None
            else None
        )
        pairs.append(
            PairResult(
                pair,
                plan.orders[pair - 1],
                on_a.mean if on_a else None,
                on_b.mean if on_b else None,
                load,
            )
        )
    complete = [p for p in pairs if p.diff is not None]
    diffs = [p.diff for p in complete if p.diff is not None]
    paired = trialstats.paired_t(diffs)
    p = trialstats.randomisation_p(diffs) if paired is not None else None
    loads = [p.load for p in complete if p.load is not None]
    fit = trialstats.load_fit(diffs, loads) if len(loads) == len(diffs) else None
    on = {
        arm: [b.weekly_km for b in blocks if b.block.arm == arm and b.weekly_km is not None]
        for arm in "AB"
    }
    means = {arm: sum(v) / len(v) for arm, v in on.items() if v}
    differed = {"A", "B"} <= means.keys() and abs(means["B"] - means["A"]) > LOAD_DIFFERENCE * max(
        (means["A"] + means["B"]) / 2, 1e-9
    )
    verdict = decide(paired, plan.threshold)
    result = TrialResult(plan, today, blocks, tuple(pairs), paired, p, fit, differed, verdict, "")
    return replace(result, words=explain(result, means))


def high_days(plan: TrialPlan, history: History, today: date) -> dict[str, int]:
    """Analysed days with the outcome in the high zone (above 5), per arm: the harms line of
    the report (CENT item 19). Zones: Silbernagel et al. 2007
    (:data:`kneekit.outcomes.scale.ACCEPTABLE_MAX`).
    """
    ratings = outcome_by_day(plan, history)
    until = rated_until(plan, today)
    out = {"A": 0, "B": 0}
    for b in plan.blocks:
        out[b.arm] += sum(
            1
            for d in b.days()
            if b.analysed_from <= d <= until and ratings.get(d, 0) > ACCEPTABLE_MAX
        )
    return out


def decide(paired: trialstats.PairedT | None, threshold: float) -> Verdict:
    """The verdict from the estimate and interval against the pre-set threshold (see judge)."""
    if paired is None:
        return "cannot-tell"
    low, high = paired.interval
    eps = 1e-9
    if high < 0 and paired.mean <= -threshold + eps:
        return "b-lower"
    if low > 0 and paired.mean >= threshold - eps:
        return "a-lower"
    if -threshold < low and high < threshold:
        return "no-important-difference"
    return "cannot-tell"


def explain(result: TrialResult, means: dict[str, float]) -> str:
    """The verdict in plain words for the physio, with the numbers behind it.

    ``means`` is the mean weekly distance on each arm.
    """
    plan, paired, verdict = result.plan, result.paired, result.verdict
    p, fit, differed = result.p_randomisation, result.load, result.load_differed
    a, b, t = f"A ({plan.a_label})", f"B ({plan.b_label})", plan.threshold
    pts = f"{t:g} point" + ("" if t == 1 else "s")
    if paired is None:
        return (
            f"Cannot tell yet: {len(result.pairs)} block pair(s) so far, and a verdict needs "
            f"at least two pairs with {MIN_RATED_DAYS} or more rated days in each block."
        )
    low, high = paired.interval
    text = (
        f"Over {paired.n} block pairs soreness on {b} was {paired.mean:+.1f} points against "
        f"{a} (95% interval {low:+.1f} to {high:+.1f}; B minus A, so below 0 favours B). "
    )
    text += {
        "b-lower": f"{b} was lower, by {pts} or more on the best estimate"
        + (
            ", and the whole interval is beyond that."
            if high <= -t
            else f"; the interval reaches {high:+.1f}, so a smaller difference is not ruled out."
        ),
        "a-lower": f"{a} was lower, by {pts} or more on the best estimate"
        + (
            ", and the whole interval is beyond that."
            if low >= t
            else f"; the interval reaches {low:+.1f}, so a smaller difference is not ruled out."
        ),
        "no-important-difference": f"No difference as large as {pts}: the whole "
        "interval lies within it.",
        "cannot-tell": (
            f"Cannot tell: the interval holds both no difference and a difference of {pts}."
            if low <= 0 <= high
            else f"Cannot tell whether it matters: {b if high < 0 else a} was lower, but by "
            f"less than {pts} on the best estimate, and the interval reaches past {pts}."
        ),
    }[verdict]
    if p is not None:
        text += f" Randomisation test over the {2**paired.n} possible orders: p = {p:.3f}."
    if differed:
        text += (
            f" Running load differed between the arms ({means['A']:.1f} km a week on A, "
            f"{means['B']:.1f} on B), which could explain part of the difference."
        )
    elif means:
        text += " Weekly distance was within 10% on both arms."
    if fit is not None:
        text += f" Allowing for weekly distance, the estimate is {fit.adjusted:+.1f}"
        text += (
            f" (95% interval {fit.interval[0]:+.1f} to {fit.interval[1]:+.1f})."
            if fit.interval
            else "."
        )
    elif differed:
        text += " Too few complete pairs (or too little spread in distance) to allow for it."
    return text
