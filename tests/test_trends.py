"""Trend numbers on hand-made records with answers worked out by hand, flags, verdicts, overview."""

import random
import subprocess
import sys
from datetime import UTC, datetime, time

import pytest

from kneekit.progress import overview, trends, variants
from kneekit.progress.adherence import activity, adherence
from kneekit.progress.flags import flags
from kneekit.routines.routine import Assignment
from tests.builders import TODAY, checkin, day, hist, morning, run, session


def test_daily_series_keeps_each_days_highest_rating_and_leaves_gaps_empty():
    h = hist([run(3, 2, 5), checkin(3, 4, 1, "after-stretch", hour=19), morning(1, 3, 3)])
    left = trends.daily(h, "left", TODAY)
    right = trends.daily(h, "right", TODAY)
    assert left.start == day(3)
    assert left.values == (4, None, 3, None)
    assert right.values == (5, None, 3, None)
    assert left.on(day(1)) == 3
    assert left.on(day(10)) is None


def test_daily_series_ignores_records_after_today():
    h = hist([run(2, 3, 3), run(-1, 9, 9)])
    assert trends.daily(h, "left", TODAY).values == (3, None, None)


def test_rolling_mean_averages_the_rated_days_of_the_last_seven():
    series = trends.Series(day(9), (2, None, 4, 6, None, None, None, None, None, 8))
    expected = (
        2.0,  # [2]
        2.0,  # [2]
        3.0,  # (2+4)/2
        4.0,  # (2+4+6)/3
        4.0,
        4.0,
        4.0,  # day 7 of the window still holds 2, 4, 6
        5.0,  # 2 drops out: (4+6)/2
        5.0,  # still 4 and 6
        7.0,  # 4 drops out, 8 comes in: (6+8)/2
    )
    assert trends.rolling_mean(series).values == pytest.approx(expected)


def test_rolling_mean_is_empty_after_a_week_without_ratings():
    series = trends.Series(day(8), (5, None, None, None, None, None, None, None, None))
    rolled = trends.rolling_mean(series).values
    assert rolled[:7] == (5.0,) * 7
    assert rolled[7:] == (None, None)


def test_weekly_blocks_end_today_with_means_and_distance():
    h = hist(
        [run(0, 4, 2, km=6), run(2, 2, 2, km=4), morning(1, 3, 1), run(8, 1, 1, km=10)],
        [session(0), session(9)],
    )
    before, now = trends.weekly(h, TODAY, 2)
    assert (now.start, now.end) == (day(6), TODAY)
    assert (before.start, before.end) == (day(13), day(7))
    # this week's daily highs: left 4, 3, 2 -> 3.0; right 2, 1, 2 -> 5/3
    assert now.soreness["left"] == pytest.approx(3.0)
    assert now.soreness["right"] == pytest.approx(5 / 3)
    assert now.morning == {"left": 3.0, "right": 1.0}
    assert (now.km, before.km) == (10.0, 10.0)
    assert before.morning == {"left": None, "right": None}


def test_weekly_without_a_count_reaches_back_to_the_first_record():
    h = hist([run(15, 1, 1)])
    weeks = trends.weekly(h, TODAY)
    assert len(weeks) == 3
    assert weeks[0].start <= day(15) <= weeks[0].end


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "safe"),
        (2, "safe"),
        (2.1, "acceptable"),
        (3, "acceptable"),
        (5, "acceptable"),
        (5.1, "high"),
        (10, "high"),
    ],
)
def test_zones_follow_the_pain_monitoring_model(value, expected):
    assert trends.zone(value) == expected


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (10, 8, "improving"),  # exactly 2 points (20%): meaningful by the points rule
        (10, 8.1, "no meaningful change"),  # 1.9 points, 19%
        (5, 3.5, "improving"),  # exactly 30% and 1.5 points
        (5, 3.6, "no meaningful change"),  # 28%
        (3, 5, "worsening"),  # exactly 2 points up
        (4, 5.2, "worsening"),  # exactly 30% up and 1.2 points
        (1, 0.6, "no meaningful change"),  # 40% but under one point
        (0, 1, "no meaningful change"),
        (0, 2, "worsening"),
    ],
)
def test_verdict_boundaries(baseline, current, expected):
    assert trends.verdict(baseline, current) == expected


def test_change_from_baseline_compares_the_first_and_last_fortnights():
    # 40 days: first 14 days alternate 6 and 7 (mean 6.5), the middle 4, the last 14 all 4 and 5
    checkins = [run(n, 6 + (n % 2), 2) for n in range(39, 25, -1)]
    checkins += [run(n, 4, 2) for n in range(25, 14, -1)]
    checkins += [run(n, 4 + (n % 2), 2) for n in range(13, -1, -1)]
    change = trends.change_from_baseline(hist(checkins), "left", TODAY)
    assert change.baseline == pytest.approx(6.5)
    assert change.current == pytest.approx(4.5)
    assert change.change == pytest.approx(-2.0)
    assert change.verdict == "improving"
    assert "6.5 in the first 14 days, 4.5 in the last 14" in str(change)
    assert trends.change_from_baseline(hist(checkins), "right", TODAY).verdict == (
        "no meaningful change"
    )


def test_change_from_baseline_waits_until_the_fortnights_no_longer_overlap():
    checkins = [run(n, 6, 6) for n in range(27, -1, -1)]  # 28 days: the windows just touch
    assert (
        trends.change_from_baseline(hist(checkins), "left", TODAY).verdict == "no meaningful change"
    )
    short = hist(checkins[1:])  # 27 days: they overlap
    change = trends.change_from_baseline(short, "left", TODAY)
    assert change.verdict == "not enough data"
    assert "not enough data" in str(change)
    assert trends.change_from_baseline(hist(), "left", TODAY).verdict == "not enough data"


def codes(found):
    return sorted((f.code, f.knee) for f in found)


def test_soreness_above_5_after_a_run_in_the_last_week_is_flagged_per_knee():
    found = flags(hist([run(2, 6, 5), run(8, 6, 9), morning(1, 2, 8)]), TODAY)
    high = [f for f in found if f.code == "high-after-run"]
    assert codes(high) == [("high-after-run", "left")]  # the 9 was eight days ago
    assert "6/10" in high[0].detail
    assert flags(hist([run(2, 5, 5)]), TODAY) == ()


def test_next_morning_soreness_a_point_higher_than_the_week_before_is_flagged():
    last_week = [morning(8, 2, 2), morning(10, 2, 3)]
    assert ("morning-higher", "left") in codes(
        flags(hist([*last_week, morning(1, 3, 2), morning(3, 3, 3)]), TODAY)
    )  # left 2.0 -> 3.0 (exactly one point); right 2.5 -> 2.5
    assert "morning-higher" not in {
        f.code for f in flags(hist([*last_week, morning(1, 2, 3), morning(3, 3, 2)]), TODAY)
    }  # left 2.0 -> 2.5


def test_soreness_rising_week_on_week_is_flagged():
    found = flags(hist([run(9, 2, 4), run(1, 3, 4)]), TODAY)
    assert codes(found) == [("rising", "left")]
    assert "3.0 in the last 7 days against 2.0" in found[0].detail
    assert flags(hist([run(9, 2, 4), run(1, 2, 3)]), TODAY) == ()


@pytest.mark.parametrize(
    ("before_km", "now_km", "flagged"),
    [(20, 26.1, True), (20, 26, False), (0, 10, False), (20, 10, False)],
)
def test_weekly_distance_jump_over_30_percent_is_flagged(before_km, now_km, flagged):
    checkins = [checkin(8, 1, 1, km=before_km), checkin(1, 1, 1, km=now_km)]
    assert ("distance-jump" in {f.code for f in flags(hist(checkins), TODAY)}) is flagged


def test_flags_advise_and_never_diagnose():
    found = flags(
        hist([morning(8, 1, 1), run(8, 1, 1, km=10), morning(1, 7, 7), run(1, 8, 8, km=20)]),
        TODAY,
    )
    assert {f.code for f in found} >= {
        "high-after-run",
        "morning-higher",
        "rising",
        "distance-jump",
        "stays-high",
        "run-spike",
    }
    for flag in found:
        text = str(flag).lower()
        assert "worth a look" in text or "consider" in text
        assert "you have" not in text
        assert "diagnos" not in text


def test_adherence_counts_runs_followed_by_a_completed_session_the_same_day():
    h = hist(
        [run(1, 1, 1), run(3, 1, 1), run(5, 1, 1), run(7, 1, 1), checkin(9, 1, 1, km=None)],
        [session(1), session(3), session(5, completed=False), session(12)],
    )
    got = adherence(h, TODAY, days=14)
    assert (got.runs, got.followed, got.sessions) == (4, 2, 3)
    assert got.share == 0.5
    # Followed from the first record (the session 12 days ago): 13 of the 14 days.
    assert got.days_followed == 13
    assert got.sessions_per_week == pytest.approx(3 * 7 / 13)
    assert str(got) == "last 2 weeks: 2 of 4 runs (50%)"
    assert adherence(hist(), TODAY).share is None


def test_activity_marks_each_day():
    h = hist([run(0, 1, 1), run(2, 1, 1)], [session(0), session(1), session(3, completed=False)])
    assert activity(h, day(3), TODAY) == {
        day(3): "neither",
        day(2): "ran",
        day(1): "stretched",
        day(0): "both",
    }


def test_assignment_on_picks_the_latest_assignment_not_after_the_day():
    a1, a2 = Assignment(1, 10, "A", day(20)), Assignment(1, 11, "B", day(5))
    h = hist(assignments=[a2, a1])
    assert trends.assignment_on(h, day(30)) is None
    assert trends.assignment_on(h, day(6)) == a1
    assert trends.assignment_on(h, TODAY) == a2


def two_versions(a_values, b_values):
    """One after-run rating a day: ``a_values`` on routine A, then ``b_values`` on B."""
    days = len(a_values) + len(b_values)
    checkins = [run(days - 1 - i, v, max(0, v - 1)) for i, v in enumerate([*a_values, *b_values])]
    assignments = [
        Assignment(1, 1, "Routine A", day(days - 1)),
        Assignment(1, 2, "B", day(len(b_values) - 1)),
    ]
    return hist(checkins, assignments=assignments)


def noisy(rng, mean, days=42):
    return [min(10, max(0, round(mean + rng.gauss(0, 1)))) for _ in range(days)]


def test_variant_comparison_finds_a_clear_difference_and_is_repeatable():
    # Day-to-day noise with the same shape on both: the true difference is exactly -3 points.
    rng = random.Random(5)
    a = noisy(rng, 6)
    b = [v - 3 for v in rng.sample(a, len(a))]
    assert min(b) >= 0  # still on the 0–10 scale
    h = two_versions(a, b)
    result = variants.compare_variants(h, TODAY, random.Random(1))
    first, second = result.periods
    assert (first.label, first.days, second.days) == ("Routine A", 42, 42)
    assert first.mean == pytest.approx(sum(a) / 42)  # the left knee is the sorer one
    assert second.mean == pytest.approx(sum(b) / 42)
    (diff,) = result.differences
    assert diff.difference == pytest.approx(-3.0)
    assert diff.interval is not None
    low, high = diff.interval
    assert low < -3 < high
    assert high < 0
    assert "lower on B" in str(diff)
    again = variants.compare_variants(h, TODAY, random.Random(1))
    assert again.differences[0].interval == diff.interval
    assert any("not assigned at random" in c for c in result.caveats)


def test_variant_comparison_straddles_zero_when_nothing_changed():
    rng = random.Random(11)
    a = noisy(rng, 4)
    (diff,) = variants.compare_variants(
        two_versions(a, rng.sample(a, len(a))), TODAY, random.Random(2)
    ).differences
    assert diff.interval is not None
    low, high = diff.interval
    assert low < 0 < high
    assert "cannot tell the two apart" in str(diff)


def test_variant_comparison_gives_no_interval_from_a_single_week():
    h = two_versions([5, 6, 5, 4, 5], [3, 2, 3, 3, 2])
    (diff,) = variants.compare_variants(h, TODAY, random.Random(0)).differences
    assert diff.interval is None
    assert diff.difference == pytest.approx(13 / 5 - 25 / 5)
    assert "Too few weeks" in str(diff)
    assert (
        variants.compare_variants(hist([run(1, 1, 1)]), TODAY, random.Random(0)).differences == ()
    )


def test_two_week_trend_uses_a_one_point_threshold():
    up = hist([run(20, 2, 1), run(5, 3, 3)])
    assert trends.two_week_trend(up, TODAY) == ("up", pytest.approx(1.0))
    flat = hist([run(20, 2, 1), run(5, 2, 2)])
    assert trends.two_week_trend(flat, TODAY) == ("flat", pytest.approx(0.0))
    down = hist([run(20, 6, 1), run(18, 5, 1), run(5, 4, 1)])
    assert trends.two_week_trend(down, TODAY) == ("down", pytest.approx(-1.5))
    assert trends.two_week_trend(hist([run(5, 4, 1)]), TODAY) == (None, None)


def long_record():
    """Runs rated left 6 and right 2 every day from day 90 to day 41, then every other day from
    day 30 to day 2 rated left 2 and right 3, and left 4 and right 1 this morning."""
    early = [run(n, 6, 2) for n in range(90, 40, -1)]
    late = [run(n, 2, 3) for n in range(30, 0, -2)] + [morning(0, 4, 1)]
    return hist(early + late)


def test_daily_ratings_worked_out_once_give_each_figure_what_it_finds_on_its_own():
    h = long_record()
    ratings = trends.daily_ratings(h, TODAY, also=[day(60)])
    # Grouped where they are read: the last four weeks, the first fortnight, one more day.
    assert ratings.spans == ((day(90), day(77)), (day(60), day(60)), (day(27), TODAY))
    assert ratings.on(TODAY) == (4, 1)
    assert ratings.on(day(60)) == (6, 2)
    assert ratings.on(day(1)) is None
    for knee in trends.KNEES:
        alone = trends.change_from_baseline(h, knee, TODAY)
        assert trends.change_from_baseline(h, knee, TODAY, ratings=ratings) == alone
    # Left: 6 in the first fortnight, (2 x 6 + 4) / 7 in the last: improving by 3.7 points.
    assert trends.change_from_baseline(h, "left", TODAY, ratings=ratings).verdict == "improving"
    assert trends.two_week_trend(h, TODAY, ratings=ratings) == trends.two_week_trend(h, TODAY)
    assert trends.weekly(h, TODAY, 2, ratings=ratings) == trends.weekly(h, TODAY, 2)
    assert flags(h, TODAY, ratings=ratings) == flags(h, TODAY)
    with pytest.raises(ValueError, match="not worked out"):
        ratings.between(day(40), day(30))  # between the spans: it would read as unrated


def test_a_review_groups_a_clients_check_ins_by_day_once_per_span(monkeypatch):
    grouped = []
    real = trends.ratings_by_day

    def counted(history):
        grouped.append((history.checkins[0].at.date(), history.checkins[-1].at.date()))
        return real(history)

    monkeypatch.setattr(trends, "ratings_by_day", counted)
    (row,) = overview.overview([long_record()], TODAY)
    # The first fortnight and the last four weeks (that hold the last check-in's day), once.
    assert grouped == [(day(90), day(77)), (day(26), TODAY)]
    assert (row.left, row.right) == (4, 1)  # this morning's
    assert (row.trend, row.trend_change) == ("flat", pytest.approx(22 / 7 - 3))
    assert row.knees["left"].verdict == "improving"


def test_overview_of_a_small_clinic():
    rising = hist(
        [run(20, 2, 1), run(2, 6, 3, km=8), checkin(2, 4, 2, "after-stretch", hour=19)],
        [session(2)],
        [Assignment(1, 3, "Post-run v1", day(30))],
        name="Ada",
    )
    quiet = hist([run(40, 1, 1, km=3)], name="Bo", client=2)
    empty = hist(name="Cy", client=3)
    ada, bo, cy = overview.overview([rising, quiet, empty], TODAY)
    assert (ada.name, ada.client_id) == ("Ada", 1)
    assert ada.last_checkin == datetime.combine(day(2), time(19), UTC)
    assert (ada.left, ada.right) == (6, 3)  # that day's highest, not the last entry
    assert (ada.trend, ada.trend_change) == ("up", pytest.approx(4.0))
    # 6 after the run (above 5), a 7-day mean of 6, and 8 km against a longest of 5 km before.
    assert sorted(f.code for f in ada.flags) == ["high-after-run", "run-spike", "stays-high"]
    assert (ada.adherence.runs, ada.adherence.followed) == (2, 1)
    assert ada.routine == "Post-run v1"
    assert (bo.left, bo.right, bo.trend, bo.routine) == (1, 1, None, None)
    assert [f.code for f in bo.flags] == ["no-checkin"]  # 40 days since the last one
    assert bo.last_checkin.date() == day(40)
    assert bo.adherence.runs == 0  # the run was more than four weeks ago
    assert (cy.last_checkin, cy.left, cy.trend) == (None, None, None)


def test_overview_reads_only_the_recent_records():
    old = [run(n, 5, 5, km=4) for n in range(700, 30, -1)]
    recent = [run(n, 2, 3, km=5) for n in range(20, -1, -2)]
    long, short = hist(old + recent), hist(recent)
    (a,), (b,) = overview.overview([long], TODAY), overview.overview([short], TODAY)
    assert (a.left, a.right, a.trend, a.flags) == (b.left, b.right, b.trend, b.flags)
    assert (a.adherence.runs, a.adherence.followed) == (b.adherence.runs, b.adherence.followed)


def test_importing_trends_stays_light():
    code = "import sys, kneekit.progress.trends; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
