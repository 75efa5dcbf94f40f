"""Simulated runners (seeded): does the trial find real differences, and only those?

Each runner rates the next morning every day (whole numbers, 0–10): a base level, a true
difference on B, soreness easing week by week where asked, a small shift per block and daily
scatter. The rates printed in the assertion messages are those seen with these seeds.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from kneekit.history import History
from kneekit.outcomes.checkin import CheckIn
from kneekit.progress.variants import compare_variants
from kneekit.routines.routine import Assignment
from kneekit.trials.judge import TrialResult, judge
from kneekit.trials.plan import TrialPlan, make_plan

START = date(2026, 1, 5)
DAY_SD = 1.0  # day-to-day scatter of one runner's rating, about a point
BLOCK_SD = 0.3  # a week that is just worse (weather, work), shared by its days


def _rating(x: float) -> int:
    return min(10, max(0, round(x)))


def simulate(
    plan: TrialPlan, rng: random.Random, *, effect: float = 0.0, easing: float = 0.0
) -> History:
    """A runner following ``plan``: B changes soreness by ``effect`` points; soreness falls by
    ``easing`` points a week whatever the routine."""
    checkins = []
    for block in plan.blocks:
        shift = rng.gauss(0, BLOCK_SD)
        for day in block.days():
            weeks = (day - plan.start).days / 7
            level = 5.0 - easing * weeks + (effect if block.arm == "B" else 0.0) + shift
            left = _rating(level + rng.gauss(0, DAY_SD))
            right = _rating(level - 1.5 + rng.gauss(0, DAY_SD))
            at = datetime.combine(day + timedelta(1), time(7), UTC)
            checkins.append(CheckIn(1, at, "next-morning", left, right))
    return History(1, "Sim", tuple(checkins), (), ())


def judged(n: int, seed: int, **kw: float) -> list[TrialResult]:
    """``n`` simulated 4-pair trials of one-week blocks (threshold 1 point), judged."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        plan = make_plan(1, (1, "A"), (2, "B"), START, seed * 10_000 + i)
        out.append(judge(plan, simulate(plan, rng, **kw), plan.end + timedelta(2)))
    return out


def trials(n: int, seed: int, **kw: float) -> list[str]:
    """The verdicts of ``n`` simulated trials (see judged)."""
    return [r.verdict for r in judged(n, seed, **kw)]


def test_a_true_two_point_difference_is_found_with_the_right_sign() -> None:
    verdicts = trials(200, 1, effect=-2.0)
    found = verdicts.count("b-lower") / len(verdicts)
    wrong = verdicts.count("a-lower")
    assert wrong == 0, f"{wrong} of 200 trials said A was lower"
    assert found >= 0.8, f"B lower (true: 2 points lower) declared in {found:.0%} of 200 trials"
    print(f"B found lower in {found:.1%} of 200 simulated 4-pair trials")


def test_no_difference_is_rarely_called_lower() -> None:
    """Null trials: the verdict "lower" stays at or under 5%, and the paired-t interval itself
    is calibrated (it excludes 0 in about 5% of null trials, as a 95% interval should)."""
    results = judged(400, 2)
    verdicts = [r.verdict for r in results]
    lower = (verdicts.count("b-lower") + verdicts.count("a-lower")) / len(verdicts)
    excludes = sum(
        r.paired is not None and (r.paired.interval[0] > 0 or r.paired.interval[1] < 0)
        for r in results
    ) / len(results)
    small_p = sum(r.p_randomisation is not None and r.p_randomisation <= 0.125 for r in results)
    message = (
        f"'lower by at least the threshold' in {lower:.1%} of 400 null trials; interval "
        f"excluding 0 in {excludes:.1%}; randomisation p <= 0.125 in {small_p / 4:.1f}%"
    )
    print(message)
    assert lower <= 0.05, message
    assert 0.01 <= excludes <= 0.09, message  # 5% expected; 400 trials put 95% within 2.9-7.1%
    assert small_p / 400 <= 0.2, message  # 2 of 16 orders: 12.5% expected


def naive(n: int, seed: int, easing: float) -> float:
    """How often the before/after comparison (kneekit.progress.variants) calls the later routine
    lower:
    four weeks on A, then four on B, the same runner easing by ``easing`` points a week."""
    rng = random.Random(seed)
    plan = make_plan(1, (1, "A"), (2, "B"), START, 0)
    switch = plan.start + timedelta(28)
    called = 0
    for _ in range(n):
        history = simulate(plan, rng, easing=easing)  # routine makes no difference
        history = History(
            1,
            "Sim",
            history.checkins,
            (),
            (Assignment(1, 1, "A", plan.start), Assignment(1, 2, "B", switch)),
        )
        found = compare_variants(history, plan.end + timedelta(1), rng, resamples=300)
        interval = found.differences[0].interval
        called += interval is not None and interval[1] < 0
    return called / n


def test_a_time_trend_fools_the_before_after_look_more_than_the_trial() -> None:
    """Soreness easing 0.4 points a week, routines equal. The trial's randomised pairs should
    call a routine lower far less often than the before/after comparison calls the later one
    lower (the trial's rate counts either arm, so it is the stricter count)."""
    verdicts = trials(150, 3, easing=0.4)
    trial_rate = (verdicts.count("b-lower") + verdicts.count("a-lower")) / len(verdicts)
    naive_rate = naive(60, 4, easing=0.4)
    message = f"trial {trial_rate:.1%} (150 trials) vs before/after {naive_rate:.1%} (60 runners)"
    print(message)
    assert trial_rate <= 0.10, message
    assert naive_rate >= 0.5, message
    assert naive_rate > 3 * trial_rate + 0.2, message
