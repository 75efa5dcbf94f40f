"""Routine trials for one runner: a plan of randomised A/B block pairs, and where it stands.

An n-of-1 trial as the AHRQ user's guide describes it (Kravitz & Duan 2014, "Design and
Implementation of N-of-1 Trials: A User's Guide", AHRQ 13(14)-EHC122-EF): the same runner follows
routine A and routine B in blocks, in pairs whose order (AB or BA) is drawn at random from a
recorded seed, with the outcome and the smallest difference that matters set before it starts.
Pure: plans and histories in, plans and words out; the judging is in :mod:`kneekit.trials.judge`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Literal, get_args

from kneekit.errors import KneekitError, Problem
from kneekit.history import History
from kneekit.outcomes.scale import SMALLEST_CHANGE

Arm = Literal["A", "B"]
Order = Literal["AB", "BA"]
Outcome = Literal["next-morning", "any"]
KneeChoice = Literal["left", "right", "sorer"]
State = Literal["planned", "running", "finished", "stopped"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
KNEE_CHOICES: tuple[str, ...] = get_args(KneeChoice)

MIN_PAIRS = 3
"""At least three block pairs. The AHRQ guide's discussion of statistical design and power
(Kravitz & Duan 2014) and Chen & Chen 2014 (a simulation comparison of four ways to analyse
n-of-1 trials, PLoS One 9(2):e87752) both find that with fewer than three or four pairs a
trial rarely tells two treatments apart; four is the default."""
DEFAULT_PAIRS = 4
"""Four pairs (eight blocks): the low end of the 3–4 or more pairs Chen & Chen 2014 favour, and
the simulated 2-point difference in tests/test_trials_sim.py is found in about 9 of 10 trials."""
MAX_PAIRS = 12
"""Twelve pairs of two-week blocks is about a year: longer than any routine stays relevant, and
the exact randomisation test over 2**12 orders still takes milliseconds."""
BLOCK_DAYS = (3, 28)
"""A block lasts 3 to 28 days: one or two weeks is usual (a whole week has every weekday's runs
in it); under 3 days the washout would swallow the block, over 4 weeks the trial would stall."""
DEFAULT_WASHOUT_DAYS = 1
"""The first day after each switch is left out, so that soreness from the last days on the other
routine does not count for this one (carry-over and washout; Kravitz & Duan 2014)."""
DEFAULT_THRESHOLD = SMALLEST_CHANGE
"""One point on the 0–10 scale, the smallest change people call "slightly better" (Salaffi et
al. 2004; kneekit's SMALLEST_CHANGE). Two points is Farrar et al. 2001's "much better"."""
THRESHOLD_RANGE = (0.5, 5.0)
"""Half a point is below what one whole-number rating can show; over 5 points is half the
scale, a difference no stretching routine is expected to make."""
RUN_IN_MAX_DAYS = 28
"""A baseline run-in of up to four weeks (the AHRQ guide's run-in settles routines and ratings;
longer only delays the trial). Not analysed; shown on the calendar."""
EQUAL_CHANCE = 0.5
"""AB and BA are equally likely in every pair (simple randomisation within pairs, CENT 8b)."""


class TrialError(KneekitError):
    """A trial cannot be planned, changed or judged as asked."""


def problem(field: str, message: str) -> TrialError:
    return TrialError([Problem("trial", field, message)])


@dataclass(frozen=True)
class Block:
    """One block of the trial: which pair, which arm, its dates, and its washout days."""

    pair: int
    arm: Arm
    start: date
    end: date
    washout_days: int

    @property
    def analysed_from(self) -> date:
        """The first day counted in the analysis (after the washout)."""
        return self.start + timedelta(self.washout_days)

    def days(self) -> list[date]:
        return [self.start + timedelta(i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class TrialPlan:
    """A stored trial plan. ``orders`` follow from ``seed`` (:func:`randomise`); a plan once
    started may only be stopped (``stopped_on`` and ``stop_reason``), never changed."""

    client_id: int
    a_version: int
    b_version: int
    a_label: str
    b_label: str
    start: date
    pairs: int
    block_days: int
    washout_days: int
    run_in_days: int
    outcome: Outcome
    knee: KneeChoice
    threshold: float
    seed: int
    orders: tuple[Order, ...]
    created_at: datetime | None = None
    stopped_on: date | None = None
    stop_reason: str = ""
    id: int | None = None

    @property
    def first_block(self) -> date:
        return self.start + timedelta(self.run_in_days)

    @property
    def end(self) -> date:
        """The last day of the last block."""
        return self.first_block + timedelta(2 * self.pairs * self.block_days - 1)

    @cached_property
    def blocks(self) -> tuple[Block, ...]:
        out = []
        for i, order in enumerate(self.orders):
            for j, arm in enumerate(order):
                start = self.first_block + timedelta((2 * i + j) * self.block_days)
                end = start + timedelta(self.block_days - 1)
                out.append(Block(i + 1, "A" if arm == "A" else "B", start, end, self.washout_days))
        return tuple(out)

    def version(self, arm: Arm) -> int:
        return self.a_version if arm == "A" else self.b_version

    def label(self, arm: Arm) -> str:
        return self.a_label if arm == "A" else self.b_label

    def matches_seed(self) -> bool:
        """Whether the stored orders are those the stored seed draws (an audit of the plan)."""
        return randomise(self.pairs, self.seed) == self.orders


def randomise(pairs: int, seed: int) -> tuple[Order, ...]:
    """The order within each block pair, AB or BA with equal chance, drawn from ``seed``.

    Python's Mersenne Twister seeded with an integer gives the same numbers on every platform
    and version, so anyone can redraw the orders from the recorded seed and check them (CENT
    2015 item 8: method used to generate the random sequence; Vohra et al., BMJ 350:h1738).
    """
    rng = random.Random(seed)
    return tuple("AB" if rng.random() < EQUAL_CHANCE else "BA" for _ in range(pairs))


def make_plan(
    client_id: int,
    a: tuple[int, str],
    b: tuple[int, str],
    start: date,
    seed: int,
    *,
    pairs: int = DEFAULT_PAIRS,
    block_days: int = 7,
    washout_days: int = DEFAULT_WASHOUT_DAYS,
    run_in_days: int = 0,
    outcome: str = "next-morning",
    knee: str = "sorer",
    threshold: float = DEFAULT_THRESHOLD,
) -> TrialPlan:
    """A checked trial plan with its orders drawn from ``seed``; TrialError lists what is wrong.

    ``a`` and ``b`` are (routine version id, label).
    """
    found: list[Problem] = []

    def check(ok: bool, field: str, message: str) -> None:
        if not ok:
            found.append(Problem("trial", field, message))

    check(a[0] != b[0], "b", "routines A and B are the same version; choose two different ones.")
    check(
        MIN_PAIRS <= pairs <= MAX_PAIRS,
        "pairs",
        f"{pairs} block pairs: a trial needs {MIN_PAIRS} to {MAX_PAIRS} (4 is usual).",
    )
    low, high = BLOCK_DAYS
    check(low <= block_days <= high, "block-days", f"blocks last {low} to {high} days (7 or 14).")
    check(
        0 <= washout_days <= min(2, block_days - 2),
        "washout-days",
        "the washout is 0, 1 or 2 days, and leaves at least 2 days of each block to count.",
    )
    check(
        0 <= run_in_days <= RUN_IN_MAX_DAYS,
        "run-in-days",
        f"the run-in is 0 to {RUN_IN_MAX_DAYS} days before block 1.",
    )
    check(outcome in OUTCOMES, "outcome", "the outcome is 'next-morning' or 'any'.")
    check(knee in KNEE_CHOICES, "knee", "the knee is 'left', 'right' or 'sorer'.")
    low_t, high_t = THRESHOLD_RANGE
    check(
        low_t <= threshold <= high_t,
        "threshold",
        f"the smallest difference that matters is {low_t} to {high_t} points (1 is usual).",
    )
    check(0 <= seed < 2**63, "seed", "the seed is a whole number from 0 to 2**63 - 1.")
    if found:
        raise TrialError(found)
    return TrialPlan(
        client_id,
        a[0],
        b[0],
        a[1],
        b[1],
        start,
        pairs,
        block_days,
        washout_days,
        run_in_days,
        outcome,  # type: ignore[arg-type]  # checked against OUTCOMES above
        knee,  # type: ignore[arg-type]
        float(threshold),
        seed,
        randomise(pairs, seed),
    )


def state(plan: TrialPlan, today: date) -> State:
    if plan.stopped_on is not None:
        return "stopped"
    if today < plan.start:
        return "planned"
    return "running" if today <= plan.end else "finished"


def last_day(plan: TrialPlan) -> date:
    """The last day the trial ran: its end, or the day it was stopped."""
    return min(plan.end, plan.stopped_on) if plan.stopped_on is not None else plan.end


def current_block(plan: TrialPlan, today: date) -> Block | None:
    """The block ``today`` falls in (None in the run-in, before, after, or once stopped)."""
    if plan.stopped_on is not None and today > plan.stopped_on:
        return None
    return next((b for b in plan.blocks if b.start <= today <= b.end), None)


def stopped(plan: TrialPlan, on: date, reason: str) -> TrialPlan:
    """The plan stopped early on ``on`` for ``reason`` (the only change a started plan takes)."""
    if not reason.strip():
        raise problem("reason", "say why the trial stops early, e.g. 'knee flared, see notes'.")
    if plan.stopped_on is not None:
        raise problem("stop", f"this trial was already stopped on {plan.stopped_on:%d %b %Y}.")
    if on < plan.start:
        raise problem("stop", "this trial has not started; change or drop its plan instead.")
    if on > plan.end:
        raise problem("stop", f"this trial already finished on {plan.end:%d %b %Y}.")
    return replace(plan, stopped_on=on, stop_reason=" ".join(reason.split()))


def refuse_change(plan: TrialPlan, today: date) -> None:
    """TrialError if the plan may no longer be changed: it has started (or stopped)."""
    if state(plan, today) != "planned":
        raise problem(
            "plan",
            f"this trial started on {plan.start:%d %b %Y}, so its plan can no longer be changed: "
            "changing blocks or threshold after seeing results would undo the randomisation. "
            f"You can stop it early, with a reason: kneekit trial stop {plan.client_id} "
            "--reason TEXT",
        )


# -- outcome days ---------------------------------------------------------------------------
def outcome_by_day(plan: TrialPlan, history: History) -> dict[date, int]:
    """The outcome on each day: the chosen knee (or the sorer), the highest rating that day.

    A next-morning rating belongs to the day before (the day of the run and the routine whose
    effect it rates), so the morning after a block's last day still counts for that block. The
    highest rating, as in :func:`kneekit.progress.trends.ratings_by_day`, so repeat check-ins do not
    water a day down.
    """
    out: dict[date, int] = {}
    for c in history.checkins:
        if plan.outcome == "next-morning" and c.context != "next-morning":
            continue
        day = c.at.date() - timedelta(1 if plan.outcome == "next-morning" else 0)
        value = {"left": c.left, "right": c.right}.get(plan.knee, c.worse)
        out[day] = max(out.get(day, 0), value)
    return out


def rated_until(plan: TrialPlan, today: date) -> date:
    """The last day whose outcome can be known today (yesterday for next-morning ratings)."""
    known = today - timedelta(1) if plan.outcome == "next-morning" else today
    return min(known, last_day(plan))


def missing_days(block: Block, ratings: dict[date, int], until: date) -> int:
    """Days of the block, after its washout and up to ``until``, with no outcome rating."""
    first = block.analysed_from
    return sum(1 for d in block.days() if first <= d <= until and d not in ratings)


def trial_status_words(
    plan: TrialPlan, history: History, today: date, *, for_client: bool = False
) -> str:
    """Where the trial stands in one line for the clinic overview and the trends page.

    e.g. "Trial: block 3 of 8, on A (Post-run knees v2); 2 check-ins missing in this block".
    ``for_client=True`` words it for the runner's own page: no A or B (the runner need not
    know which is which), no stop reason (a clinical note), and a nudge to rate every morning.
    """
    now = state(plan, today)
    if for_client:
        return _client_words(plan, history, today)
    if now == "planned":
        return f"Trial planned: starts {plan.start:%d %b %Y}, {2 * plan.pairs} blocks."
    if now == "stopped":
        return f"Trial stopped on {plan.stopped_on:%d %b %Y}: {plan.stop_reason}"
    if now == "finished":
        return f"Trial finished on {plan.end:%d %b %Y}: its report is ready."
    now_block = _block_now(plan, history, today)
    if now_block is None:
        return f"Trial: run-in until {plan.first_block - timedelta(1):%d %b %Y}."
    block, number, missing = now_block
    gap = f"; {_checkins(missing)} missing in this block" if missing else ""
    return (
        f"Trial: block {number} of {2 * plan.pairs}, on {block.arm} ({plan.label(block.arm)}){gap}."
    )


def _block_now(plan: TrialPlan, history: History, today: date) -> tuple[Block, int, int] | None:
    """The block under way, its number from 1, and the days in it so far with no rating; None
    during the run-in."""
    block = current_block(plan, today)
    if block is None:
        return None
    missing = missing_days(block, outcome_by_day(plan, history), rated_until(plan, today))
    return block, plan.blocks.index(block) + 1, missing


def _checkins(n: int) -> str:
    return f"{n} check-in{'' if n == 1 else 's'}"


def _client_words(plan: TrialPlan, history: History, today: date) -> str:
    now = state(plan, today)
    if now == "planned":
        return f"Your routine trial starts on {plan.start:%d %b %Y}."
    if now != "running":
        return f"Your routine trial ended on {last_day(plan):%d %b %Y}. Thank you!"
    now_block = _block_now(plan, history, today)
    if now_block is None:
        return f"Your routine trial starts properly on {plan.first_block:%d %b %Y}."
    block, number, missing = now_block
    ask = "Please rate your knees every morning" + (
        f" ({_checkins(missing)} missing in this block)." if missing else "."
    )
    return f"Routine trial: part {number} of {2 * plan.pairs}, until {block.end:%d %b}. {ask}"
