"""Each flag firing on a hand-made series and staying quiet on a near miss; answers worked out by
hand in the comments, not copied from output."""

from __future__ import annotations

import textwrap

import pytest

from kneekit.config import clear_cache
from kneekit.errors import ConfigError
from kneekit.history import Run
from kneekit.outcomes.checkin import CheckIn
from kneekit.progress.flags import Flag, flags
from kneekit.progress.thresholds import Thresholds
from tests.builders import TODAY, at, day, hist, morning, other, run, session


def fired(found: tuple[Flag, ...], code: str) -> list[Flag]:
    return [f for f in found if f.code == code]


# -- stays-high ------------------------------------------------------------------------------
def test_stays_high_fires_when_the_7_day_mean_is_above_5():
    # Left: days 6, 4, 2, 0 rated 6, 5, 6, 6 -> mean 23/4 = 5.75 > 5. Right: 1 each day.
    h = hist([other(6, 6, 1), other(4, 5, 1), other(2, 6, 1), other(0, 6, 1)])
    (flag,) = fired(flags(h, TODAY), "stays-high")
    assert (flag.knee, flag.start, flag.end) == ("left", day(6), TODAY)
    assert "5.8/10" in flag.detail
    assert "Silbernagel" in flag.source


def test_stays_high_is_quiet_at_a_mean_of_exactly_5_or_when_the_high_days_are_older():
    exactly_five = hist([other(6, 6, 1), other(4, 4, 1), other(2, 5, 1), other(0, 5, 1)])  # 20/4
    assert not fired(flags(exactly_five, TODAY), "stays-high")
    a_week_ago = hist([other(7, 8, 1), other(8, 8, 1), other(0, 3, 1)])  # only day 0 counts: 3
    assert not fired(flags(a_week_ago, TODAY), "stays-high")


def test_a_day_counts_once_at_its_highest():
    # Day 1: ratings 7 and 3 -> 7 (the day's highest); day 0: 4. Mean (7 + 4) / 2 = 5.5.
    h = hist([other(1, 7, 0), CheckIn(1, at(1, 20), "other", 3, 0), other(0, 4, 0)])
    assert [f.knee for f in fired(flags(h, TODAY), "stays-high")] == ["left"]


# -- not-settled -----------------------------------------------------------------------------
def test_not_settled_fires_when_the_morning_is_sorer_than_the_evening_before():
    h = hist([run(2, 3, 2), morning(1, 4, 2)])  # left 3 after the run, 4 next morning
    (flag,) = fired(flags(h, TODAY), "not-settled")
    assert flag.knee == "left"
    assert "higher than the 3/10 after the run the evening before" in flag.detail


def test_not_settled_fires_when_a_morning_is_above_5_even_without_a_run_before():
    (flag,) = fired(flags(hist([morning(1, 1, 6)]), TODAY), "not-settled")
    assert (flag.knee, "above the limit of 5" in flag.detail) == ("right", True)


def test_not_settled_is_quiet_when_the_morning_equals_the_evening_or_follows_no_run_day():
    same = hist([run(2, 4, 4), morning(1, 4, 4)])
    assert not fired(flags(same, TODAY), "not-settled")
    # A run two evenings before is not "the evening before"; and 5 is not above 5.
    gap = hist([run(3, 1, 1), morning(1, 5, 2)])
    assert not fired(flags(gap, TODAY), "not-settled")


# -- worsening -------------------------------------------------------------------------------
def test_worsening_follows_the_change_from_baseline_verdict():
    # First 14 days (days 40..27) rated 2; last 14 days (13..0) rated 4: +2 points = worsening.
    early = [other(n, 2, 1) for n in range(40, 26, -3)]
    late = [other(n, 4, 1) for n in range(13, -1, -3)]
    (flag,) = fired(flags(hist(early + late), TODAY), "worsening")
    assert (flag.knee, flag.start, flag.end) == ("left", day(40), TODAY)
    assert "Farrar" in flag.source


def test_worsening_is_quiet_below_the_clinically_important_change():
    # 2 -> 2.5 is +0.5 points (25%): under both 2 points and 30%-with-1-point.
    early = [other(n, 2, 1) for n in range(40, 26, -3)]
    late = [other(n, 2 + n % 2, 1) for n in range(13, -1, -1)]  # 2,3 alternating: mean 2.5
    assert not fired(flags(hist(early + late), TODAY), "worsening")


# -- few-stretches ---------------------------------------------------------------------------
def test_few_stretches_fires_below_half_of_at_least_three_runs():
    # 3 runs in the last 14 days, one followed the same evening: 1 of 3 = 33% < 50%.
    h = hist([run(12, 1, 1), run(8, 1, 1), run(2, 1, 1)], [session(2)])
    (flag,) = fired(flags(h, TODAY), "few-stretches")
    assert "1 of 3 runs" in flag.detail
    assert "not a clinical threshold" in flag.detail
    assert (flag.start, flag.end) == (day(13), TODAY)


def test_few_stretches_is_quiet_at_exactly_half_and_with_fewer_than_three_runs():
    half = hist([run(12, 1, 1), run(8, 1, 1), run(5, 1, 1), run(2, 1, 1)], [session(8), session(2)])
    assert not fired(flags(half, TODAY), "few-stretches")
    two_runs = hist([run(8, 1, 1), run(2, 1, 1)])  # 0 of 2, but two runs are not a pattern
    assert not fired(flags(two_runs, TODAY), "few-stretches")


def test_a_stretch_before_the_run_does_not_follow_it():
    # Each day: a session at 07:00 and a run at 18:00; the morning sessions follow nothing.
    h = hist(
        [run(n, 1, 1) for n in (10, 6, 2)],
        [session(n, hour=7, minute=0) for n in (10, 6, 2)],
    )
    (flag,) = fired(flags(h, TODAY), "few-stretches")
    assert "0 of 3 runs" in flag.detail


# -- no-checkin ------------------------------------------------------------------------------
def test_no_checkin_fires_after_14_days_without_one():
    (flag,) = fired(flags(hist([run(14, 1, 1)]), TODAY), "no-checkin")
    assert flag.title == "No check-in for 14 days"
    assert not fired(flags(hist([run(13, 1, 1)]), TODAY), "no-checkin")
    assert not fired(flags(hist(), TODAY), "no-checkin")  # never checked in: nothing to follow


def test_no_checkin_uses_the_latest_check_in_given_when_the_history_is_cut():
    cut = hist([run(20, 1, 1)])
    assert fired(flags(cut, TODAY), "no-checkin")
    assert not fired(flags(cut, TODAY, last_checkin=at(3)), "no-checkin")


# -- run-spike -------------------------------------------------------------------------------
def test_run_spike_fires_for_a_run_over_10_percent_longer_than_the_month_before():
    # Longest run in the 30 days before day 1: 10 km; day 1: 11.1 km > 11.0 km.
    h = hist([run(25, 1, 1, km=10), run(10, 1, 1, km=8), run(1, 1, 1, km=11.1)])
    (flag,) = fired(flags(h, TODAY), "run-spike")
    assert "11.1 km" in flag.detail
    assert "10.0 km" in flag.detail
    assert "bjsports-2024-109380" in flag.source


def test_run_spike_is_quiet_at_exactly_10_percent_and_for_old_long_runs():
    exactly = hist([run(25, 1, 1, km=10), run(1, 1, 1, km=11)])
    assert not fired(flags(exactly, TODAY), "run-spike")
    # The 11.1 km run was 9 days ago: outside the last 7 days.
    older = hist([run(25, 1, 1, km=10), run(9, 1, 1, km=11.1)])
    assert not fired(flags(older, TODAY), "run-spike")


def test_run_spike_fires_after_a_break_but_not_on_a_clients_first_run():
    # Followed since day 60, then no run for over 30 days: any run is a spike over 0 km.
    back = hist([run(60, 1, 1, km=10), run(2, 1, 1, km=6)])
    (flag,) = fired(flags(back, TODAY), "run-spike")
    assert "no run in the 30 days before" in flag.detail
    # The same 6 km run as the very first record: nothing to compare it with.
    assert not fired(flags(hist([run(2, 1, 1, km=6)]), TODAY), "run-spike")


def test_a_weekly_jump_from_nothing_is_not_a_distance_jump_but_a_run_spike():
    back = hist([run(60, 1, 1, km=10), run(3, 1, 1, km=20), run(1, 1, 1, km=20)])
    codes = {f.code for f in flags(back, TODAY)}
    assert "distance-jump" not in codes  # 0 km the week before: no ratio to speak of
    assert "run-spike" in codes


def test_a_run_imported_from_a_file_counts_and_its_check_in_is_not_a_second_run():
    start = at(1, 17)
    imported = Run(1, start, 12.0, 60.0, "long.gpx")
    # The check-in after it (km 12 as typed) belongs to the file's run: one run, not two.
    h = hist([run(25, 1, 1, km=10), run(1, 1, 1, km=12, hour=19)], runs=[imported])
    from kneekit.history import runs

    assert [(r.km, r.source) for r in runs(h) if r.day == day(1)] == [(12.0, "long.gpx")]
    assert fired(flags(h, TODAY), "run-spike")


# -- thresholds ------------------------------------------------------------------------------
def test_a_clinic_can_change_a_threshold_in_its_settings_file(tmp_path, monkeypatch):
    settings = tmp_path / "kneekit.toml"
    settings.write_text("[flags]\nhigh = 6\nno_checkin_days = 21\n", encoding="utf-8")
    monkeypatch.setenv("KNEEKIT_CONFIG", str(settings))
    clear_cache()
    try:
        t = Thresholds.from_settings()
        assert (t.high, t.no_checkin_days, t.run_spike) == (6, 21, 0.10)
        h = hist([other(1, 6, 0), other(0, 6, 0)])  # mean 6: above 5, not above 6
        assert not fired(flags(h, TODAY, thresholds=t), "stays-high")
        assert fired(flags(h, TODAY), "stays-high")
    finally:
        clear_cache()


def test_the_settings_example_in_the_config_docstring_is_accepted(tmp_path, monkeypatch):
    from kneekit import config

    doc = config.__doc__ or ""
    example = doc[doc.index("[clinic]") : doc.index("Why a clinic zone")]
    settings = tmp_path / "kneekit.toml"
    settings.write_text(textwrap.dedent("    " + example), encoding="utf-8")
    monkeypatch.setenv("KNEEKIT_CONFIG", str(settings))
    clear_cache()
    try:
        assert Thresholds.from_settings().high == 4.5
        assert str(config.clinic_zone()) == "Australia/Sydney"
    finally:
        clear_cache()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[flags]\nhihg = 6\n", "flags.hihg: unknown setting; the settings are high, rise"),
        ("[flags]\nhigh = 'six'\n", "flags.high: must be a number above 0 and at most 10"),
        ("[flags]\nno_checkin_days = 2.5\n", "must be a whole number above 0 and at most 365"),
        ("[flag]\nhigh = 6\n", "flag: unknown section"),
        ("[flags\n", "this is not a valid TOML file"),
    ],
)
def test_a_bad_settings_file_says_what_is_wrong(tmp_path, monkeypatch, text, message):
    settings = tmp_path / "kneekit.toml"
    settings.write_text(text, encoding="utf-8")
    monkeypatch.setenv("KNEEKIT_CONFIG", str(settings))
    clear_cache()
    try:
        with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as caught:
            Thresholds.from_settings()
        assert str(settings) in str(caught.value)
    finally:
        clear_cache()


def test_every_flag_carries_its_code_source_and_dates_and_never_diagnoses():
    h = hist(
        [run(60, 1, 1, km=5)]
        + [other(n, 2, 1) for n in range(40, 26, -3)]
        + [run(8, 1, 1, km=10), morning(7, 1, 1)]
        + [run(2, 7, 7, km=20), morning(1, 8, 8), other(0, 7, 7)]
    )
    found = flags(h, TODAY)
    assert {f.code for f in found} >= {"stays-high", "not-settled", "worsening", "run-spike"}
    for flag in found:
        d = flag.as_dict()
        assert set(d) == {"code", "knee", "title", "detail", "source", "from", "to"}
        assert flag.source
        assert flag.start <= flag.end == TODAY
        text = str(flag).lower()
        assert "worth a look" in text or "consider" in text or "worth a call" in text
        assert "diagnos" not in text


def test_the_readme_lists_every_flag_with_its_threshold_and_source():
    from pathlib import Path
    from typing import get_args

    from kneekit.progress.flags import FlagCode

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## What kneekit watches for") : readme.index("## Dashboards")]
    lines = [line for line in section.splitlines() if line.startswith("| `")]
    rows = {line.split("|")[1].strip(" `"): line for line in lines}
    assert set(rows) == set(get_args(FlagCode))
    for code, line in rows.items():
        fires, source = (cell.strip() for cell in line.split("|")[2:4])
        assert any(ch.isdigit() for ch in fires), code  # the threshold, as a number
        assert source, code
