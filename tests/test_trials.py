"""The trial plan, its randomisation, and the statistics behind the verdict (no database)."""

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest

from kneekit.history import History, Run
from kneekit.outcomes.checkin import CheckIn
from kneekit.trials import stats as trialstats
from kneekit.trials.judge import decide, judge
from kneekit.trials.plan import (
    TrialError,
    TrialPlan,
    current_block,
    make_plan,
    outcome_by_day,
    randomise,
    refuse_change,
    state,
    stopped,
    trial_status_words,
)

START = date(2026, 1, 5)  # a Monday
SEED_7_ORDERS = ("AB", "AB", "BA", "AB", "BA", "AB", "AB", "BA")


def plan_for(**kw: object) -> TrialPlan:
    args = {"pairs": 4, "block_days": 7, "washout_days": 1}
    return make_plan(1, (1, "Knees v1"), (2, "Knees v2"), START, 7, **(args | kw))  # type: ignore[arg-type]


def t_cdf(q: float, df: int, steps: int = 2000) -> float:
    """P(T <= q) by Simpson's rule on the t density: an independent check of the table."""
    c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))

    def f(x: float) -> float:
        return float(c * (1 + x * x / df) ** (-(df + 1) / 2))

    h = q / steps
    total = f(0) + f(q) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, steps))
    return 0.5 + total * h / 3


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 15, 20, 29, 30, 31, 40, 60, 120])
def test_t_quantile_is_the_975th_percentile(df: int) -> None:
    q = trialstats.t_quantile_975(df)
    assert t_cdf(q, df) == pytest.approx(0.975, abs=2e-6)


def test_t_quantile_known_values() -> None:
    # Printed t tables: 12.706 (1 df), 3.182 (3), 2.228 (10), 2.042 (30), 2.000 (60), 1.980 (120)
    known = {1: 12.706, 3: 3.182, 10: 2.228, 30: 2.042, 60: 2.000, 120: 1.980}
    for df, value in known.items():
        assert trialstats.t_quantile_975(df) == pytest.approx(value, abs=6e-4)
    with pytest.raises(ValueError, match="at least 1"):
        trialstats.t_quantile_975(0)


def test_paired_t_by_hand() -> None:
    found = trialstats.paired_t([-3.0, -2.5, -3.5, -3.0])
    assert found is not None
    sd = math.sqrt(0.5 / 3)
    half = 3.182446305 * sd / 2
    assert found.mean == pytest.approx(-3.0)
    assert found.interval == pytest.approx((-3.0 - half, -3.0 + half))
    assert trialstats.paired_t([1.0]) is None


def test_randomisation_p_counts_sign_flips() -> None:
    # All four pairs the same way: only that pattern and its mirror are as extreme: 2 of 16.
    assert trialstats.randomisation_p([-1.0, -2.0, -1.5, -0.5]) == pytest.approx(2 / 16)
    # One pair against the rest: sum -5. |sum| >= 5 needs the three 2s to share a sign (2 of
    # their 8 patterns), with either sign on the 1: 4 of 16.
    assert trialstats.randomisation_p([-2.0, -2.0, -2.0, 1.0]) == pytest.approx(4 / 16)
    assert trialstats.randomisation_p([]) is None


def test_load_fit_recovers_a_straight_line() -> None:
    load = [0.0, 5.0, -5.0, 10.0]
    fit = trialstats.load_fit([-1 + 0.1 * x for x in load], load)
    assert fit is not None
    assert fit.adjusted == pytest.approx(-1.0)
    assert fit.per_10km == pytest.approx(1.0)
    assert fit.interval == pytest.approx((-1.0, -1.0))
    assert trialstats.load_fit([1.0, 2.0, 3.0], [4.0, 4.0, 4.0]) is None  # no spread in load


def test_randomisation_is_reproducible_from_the_seed() -> None:
    plan = plan_for(pairs=8)
    assert plan.orders == randomise(8, 7) == randomise(8, 7)
    assert plan.matches_seed()
    # Python's seeded Mersenne Twister is the same on every platform and version, so the
    # orders of a recorded seed are fixed for good: these are seed 7's, redrawn by anyone as
    # random.Random(7).random() < 0.5 -> AB, in turn for each pair.
    assert randomise(8, 7) == SEED_7_ORDERS
    many = {randomise(4, seed) for seed in range(200)}
    assert len(many) == 16, "over 200 seeds every one of the 16 orders of 4 pairs turns up"


def test_plan_blocks_follow_the_orders() -> None:
    plan = plan_for(run_in_days=7)
    blocks = plan.blocks
    assert len(blocks) == 8
    assert blocks[0].start == START + timedelta(7)
    assert [b.arm for b in blocks] == list("".join(plan.orders))
    assert all(b.end - b.start == timedelta(6) for b in blocks)
    assert blocks[-1].end == plan.end == START + timedelta(7 + 55)


def test_plan_refuses_bad_choices_all_at_once() -> None:
    with pytest.raises(TrialError) as caught:
        make_plan(
            1,
            (1, "X"),
            (1, "X"),
            START,
            -1,
            pairs=2,
            block_days=2,
            washout_days=3,
            outcome="evening",
            knee="both",
            threshold=0.1,
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "b",
        "pairs",
        "block-days",
        "washout-days",
        "outcome",
        "knee",
        "threshold",
        "seed",
    }
    assert "4 is usual" in str(caught.value)


def test_a_started_plan_refuses_changes_and_stops_only_with_a_reason() -> None:
    plan = plan_for()
    refuse_change(plan, START - timedelta(1))  # not started: may change
    with pytest.raises(TrialError, match="can no longer be changed"):
        refuse_change(plan, START)
    with pytest.raises(TrialError, match="say why"):
        stopped(plan, START + timedelta(3), "  ")
    done = stopped(plan, START + timedelta(3), "knee flared")
    assert state(done, START + timedelta(4)) == "stopped"
    assert current_block(done, START + timedelta(5)) is None
    with pytest.raises(TrialError, match="already stopped"):
        stopped(done, START + timedelta(4), "again")


def _morning(day: date, value: int) -> CheckIn:
    return CheckIn(1, datetime.combine(day + timedelta(1), time(7), UTC), "next-morning", value, 0)


def test_next_morning_ratings_count_for_the_day_before() -> None:
    plan = plan_for()
    history = History(1, "R", (_morning(START, 4),), (), ())
    assert outcome_by_day(plan, history) == {START: 4}


def test_status_words_count_missing_check_ins() -> None:
    plan = plan_for()
    today = START + timedelta(9)  # block 2, day 3 (of which day 1 is washout)
    rated = (_morning(START + timedelta(8), 3),)  # only day 2 of block 2 rated
    words = trial_status_words(plan, History(1, "R", rated, (), ()), today)
    arm = plan.orders[0][1]
    assert words.startswith(f"Trial: block 2 of 8, on {arm} (Knees v")
    assert "0 check-ins" not in words
    # Known today: days 2 and 3 of the block are analysed (day 1 is washout); day 3's morning
    # is tomorrow, so only day 2 could be rated, and it was.
    assert "missing" not in words
    words = trial_status_words(plan, History(1, "R", (), (), ()), today)
    assert words.endswith("1 check-in missing in this block.")
    assert trial_status_words(plan, History(1, "R", (), (), ()), START - timedelta(1)).startswith(
        "Trial planned"
    )
    mine = trial_status_words(plan, History(1, "R", (), (), ()), today, for_client=True)
    assert mine == (
        "Routine trial: part 2 of 8, until 18 Jan. Please rate your knees every morning "
        "(1 check-in missing in this block)."
    )
    assert " A" not in mine
    assert " B" not in mine


def test_judge_a_clear_trial_by_hand() -> None:
    plan = plan_for()
    checkins = []
    runs = []
    for b in plan.blocks:
        for d in b.days():
            checkins.append(_morning(d, 6 if b.arm == "A" else 3))
            runs.append(
                Run(1, datetime.combine(d, time(18), UTC), 5.0 if b.arm == "A" else 6.0, None, "f")
            )
    history = History(1, "R", tuple(checkins), (), (), tuple(runs))
    result = judge(plan, history, plan.end + timedelta(2))
    assert [p.diff for p in result.pairs] == [-3.0] * 4
    assert result.verdict == "b-lower"
    assert result.p_randomisation == pytest.approx(2 / 16)
    out = result.to_json()
    assert out["estimate"] == -3.0
    assert out["interval"] == [-3.0, -3.0]
    assert out["load"]["differed"] is True  # 35 against 42 km a week: 18% more on B
    assert "Running load differed" in result.words
    assert {b["weekly_km"] for b in out["load"]["blocks"]} == {35.0, 42.0}


@pytest.mark.parametrize(
    ("interval", "mean", "expected"),
    [
        ((-3.0, -1.5), -2.2, "b-lower"),
        ((-1.6, -0.1), -1.0, "b-lower"),  # estimate reaches the threshold, interval excludes 0
        ((-1.5, -0.2), -0.85, "cannot-tell"),
        ((-0.6, 0.7), 0.05, "no-important-difference"),
        ((-2.0, 1.0), -0.5, "cannot-tell"),
        ((0.4, 2.0), 1.2, "a-lower"),
    ],
)
def test_decide_against_the_threshold(
    interval: tuple[float, float], mean: float, expected: str
) -> None:
    paired = trialstats.PairedT(4, mean, 1.0, interval)
    assert decide(paired, 1.0) == expected
    assert decide(None, 1.0) == "cannot-tell"


def test_flags_keep_working_during_a_trial() -> None:
    """A trial never hides a knee that stays high: the flags read the same records."""
    from kneekit.progress.flags import flags

    plan = plan_for()
    today = plan.blocks[2].start + timedelta(3)
    ran = datetime.combine(today - timedelta(1), time(18), UTC)
    history = History(1, "R", (CheckIn(1, ran, "after-run", 7, 2, 6.0),), (), ())
    assert trial_status_words(plan, history, today).startswith("Trial: block 3 of 8")
    assert sorted(f.code for f in flags(history, today)) == ["high-after-run", "stays-high"]


def test_a_block_under_way_is_shown_but_not_compared() -> None:
    plan = plan_for()
    checkins = [_morning(d, 6 if b.arm == "A" else 3) for b in plan.blocks[:4] for d in b.days()]
    today = plan.blocks[3].start + timedelta(4)  # pair 2's second block, days rated so far
    result = judge(plan, History(1, "R", tuple(checkins), (), ()), today)
    assert [p.diff for p in result.pairs] == [-3.0, None]
    # Today is the block's day 5: days 2 to 4 are known (day 1 washout; day 5 rated tomorrow).
    assert result.blocks[3].rated_days == 3
    assert result.verdict == "cannot-tell"
    assert result.words.startswith("Cannot tell yet: 2 block pair(s) so far")


def test_any_outcome_takes_every_rating_of_the_chosen_knee_on_its_own_day() -> None:
    plan = plan_for(outcome="any", knee="right")
    at = datetime.combine(START, time(18), UTC)
    history = History(
        1,
        "R",
        (
            CheckIn(1, at, "after-run", 7, 2, 5.0),
            CheckIn(1, at + timedelta(hours=2), "after-stretch", 1, 4),
            _morning(START, 9),  # next morning (left 9, right 0): counts on its own day
        ),
        (),
        (),
    )
    assert outcome_by_day(plan, history) == {START: 4, START + timedelta(1): 0}
    sorer = plan_for(outcome="any", knee="sorer")
    assert outcome_by_day(sorer, history) == {START: 7, START + timedelta(1): 9}
