"""Trends over a client's records: soreness series, weeks, change from baseline (adherence:
:mod:`kneekit.progress.adherence`; flags: :mod:`kneekit.progress.flags`).

Pure functions over :class:`kneekit.history.History`; ``today`` is always passed in, and records
dated after it are ignored, so a report for a past date reads as it would have then. A check-in's
day is its date where it was recorded (its own time zone). The wording is advice to the physio
("worth a look", "consider"), never a diagnosis.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal, TypeVar

from kneekit.history import History, SessionSummary, runs
from kneekit.outcomes.checkin import CheckIn
from kneekit.outcomes.scale import (
    ACCEPTABLE_MAX,
    MCID_FRACTION,
    MCID_POINTS,
    SAFE_MAX,
    SMALLEST_CHANGE,
)
from kneekit.progress.adherence import first_day
from kneekit.routines.routine import Assignment

Knee = Literal["left", "right"]
KNEES: tuple[Knee, Knee] = ("left", "right")
Zone = Literal["safe", "acceptable", "high"]
Verdict = Literal["improving", "no meaningful change", "worsening", "not enough data"]
Direction = Literal["up", "down", "flat"]

DISTANCE_JUMP = 0.30
"""Weekly running distance up by more than 30% on the week before is flagged.

Source: Nielsen et al. 2014, J Orthop Sports Phys Ther 44(10):739-47: in 874 novice runners, those
who progressed weekly distance by more than 30% had more distance-related injuries (among them
patellofemoral pain), hazard ratio 1.59 (95% CI 0.96 to 2.66): an association near the edge of
chance, not proof. The popular "10% rule" has weaker support still (Buist et al. 2008 found a
10%-rule programme did not reduce injuries). Treat the flag as a prompt to ask, not a verdict.
"""
BASELINE_DAYS = 14
"""The baseline is the first 14 days of check-ins; "now" is the last 14 days (the issue's rule)."""
ROLLING_DAYS = 7
"""The rolling mean covers a week, so each point averages the same weekdays as every other."""
TREND_DAYS = 14
"""The two-week trend: the last 14 days against the 14 before, so each side holds two of every
weekday (a long run every Sunday weighs the same on both)."""

_Record = TypeVar("_Record", CheckIn, SessionSummary)
EPS = 1e-9  # means of whole numbers are inexact floats; boundaries such as exactly 2 points count


@dataclass(frozen=True)
class Series:
    """One value per day from ``start``; ``None`` where nothing was recorded that day."""

    start: date
    values: tuple[float | None, ...]

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(i) for i in range(len(self.values))]

    def on(self, day: date) -> float | None:
        i = (day - self.start).days
        return self.values[i] if 0 <= i < len(self.values) else None


def day_of(item: CheckIn | SessionSummary) -> date:
    return item.at.date() if isinstance(item, CheckIn) else item.started_at.date()


def clip(history: History, start: date, end: date) -> History:
    """The history with only the check-ins and sessions dated ``start`` to ``end`` (inclusive).

    Found by bisection, so looking at the last month of a two-year record costs a month's work.
    """

    def between(items: Sequence[_Record]) -> tuple[_Record, ...]:
        # One day of margin each side: dates in different time zones may be slightly out of order.
        lo = bisect.bisect_left(items, start - timedelta(1), key=day_of)
        hi = bisect.bisect_right(items, end + timedelta(1), key=day_of)
        return tuple(i for i in items[lo:hi] if start <= day_of(i) <= end)

    return replace(
        history,
        checkins=between(history.checkins),
        sessions=between(history.sessions),
        runs=tuple(r for r in history.runs if start <= r.start.date() <= end),
    )


def ratings_by_day(history: History) -> dict[date, tuple[int, int]]:
    """Each day's highest left and right rating.

    The highest, not the mean, because the physio acts on the worst soreness of the day and the
    pain-monitoring limits are about peaks; a mean would also change with how many times the client
    happened to check in (an after-stretch rating would water down the after-run one).
    """
    days: dict[date, tuple[int, int]] = {}
    for c in history.checkins:
        d = c.at.date()
        left, right = days.get(d, (0, 0))
        days[d] = (max(left, c.left), max(right, c.right))
    return days


def mean_of(values: Iterable[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) / len(got) if got else None


@dataclass(frozen=True)
class DailyRatings:
    """Each day's highest left and right rating (:func:`ratings_by_day`) over some spans of days.

    A review works these out once per client (:func:`daily_ratings`) and hands them to all that
    reads them: the knees' 7-day means, the flags' weeks, the change from baseline and the
    two-week trend, rather than each clipping and grouping the check-ins again.
    """

    days: Mapping[date, tuple[int, int]]
    spans: tuple[tuple[date, date], ...]  # first and last day of each, in order, not touching

    @classmethod
    def of(cls, history: History, spans: Iterable[tuple[date, date]]) -> DailyRatings:
        """The ratings of the days in ``spans`` (each first and last day); overlaps are merged."""
        merged: list[tuple[date, date]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1] + timedelta(1):
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        days: dict[date, tuple[int, int]] = {}
        for start, end in merged:
            days.update(ratings_by_day(clip(history, start, end)))
        return cls(days, tuple(merged))

    def between(self, start: date, end: date) -> list[tuple[int, int]]:
        """The rated days' ratings from ``start`` to ``end``, oldest first."""
        if not any(first <= start and end <= last for first, last in self.spans):
            # A caller's mistake, not the data's: an unworked day would read as unrated.
            raise ValueError(
                f"The daily ratings from {start} to {end} were not worked out (only {self.spans}); "
                "pass ratings from daily_ratings() for the same day, or none."
            )
        found = (self.days.get(start + timedelta(i)) for i in range((end - start).days + 1))
        return [r for r in found if r is not None]

    def on(self, day: date) -> tuple[int, int] | None:
        """The day's ratings (None: not rated)."""
        found = self.between(day, day)
        return found[0] if found else None


def daily_ratings(history: History, today: date, also: Iterable[date] = ()) -> DailyRatings:
    """The daily ratings a review reads: the last four weeks (the two-week trend's, which hold
    the flags' weeks and the last fortnight of the change from baseline), the first 14 days of
    check-ins (the baseline) and the days in ``also``. Spans, not the whole record, so that a
    review of a two-year record groups a few weeks of it."""
    spans = [(today - timedelta(2 * TREND_DAYS - 1), today), *((d, d) for d in also)]
    if history.checkins and (first := history.checkins[0].at.date()) <= today:
        spans.append((first, min(today, first + timedelta(BASELINE_DAYS - 1))))
    return DailyRatings.of(history, spans)


def daily(history: History, knee: Knee, today: date, *, start: date | None = None) -> Series:
    """Each day's highest soreness for one knee, from ``start`` (default: first record) to today."""
    start = start or first_day(history) or today
    ratings = ratings_by_day(clip(history, start, today))
    side = KNEES.index(knee)
    return Series(
        start,
        tuple(
            r[side] if (r := ratings.get(start + timedelta(i))) else None
            for i in range((today - start).days + 1)
        ),
    )


def rolling_mean(series: Series, days: int = ROLLING_DAYS) -> Series:
    """Mean of the rated days among the ``days`` days ending on each day (None if none rated)."""
    out: list[float | None] = []
    total, count = 0.0, 0
    for i, v in enumerate(series.values):
        if v is not None:
            total, count = total + v, count + 1
        if i >= days and (old := series.values[i - days]) is not None:
            total, count = total - old, count - 1
        out.append(total / count if count else None)
    return Series(series.start, tuple(out))


def zone(value: float) -> Zone:
    """The pain-monitoring zone of a rating (Silbernagel et al. 2007; see ACCEPTABLE_MAX)."""
    return "safe" if value <= SAFE_MAX else "acceptable" if value <= ACCEPTABLE_MAX else "high"


@dataclass(frozen=True)
class Week:
    """Seven days to ``end``: mean daily and next-morning soreness per knee, and distance run."""

    start: date
    end: date
    soreness: Mapping[Knee, float | None]
    morning: Mapping[Knee, float | None]
    km: float


def _week(history: History, start: date, end: date, ratings: DailyRatings | None) -> Week:
    part = clip(history, start, end)
    rated = ratings.between(start, end) if ratings else ratings_by_day(part).values()
    mornings = [c for c in part.checkins if c.context == "next-morning"]
    return Week(
        start,
        end,
        {k: mean_of(r[i] for r in rated) for i, k in enumerate(KNEES)},
        {k: mean_of(getattr(c, k) for c in mornings) for k in KNEES},
        sum(r.km for r in runs(part) if start <= r.day <= end),
    )


def weekly(
    history: History,
    today: date,
    weeks: int | None = None,
    *,
    ratings: DailyRatings | None = None,
) -> tuple[Week, ...]:
    """Seven-day blocks counted back from today, oldest first; the last one ends today.

    Blocks end today (rather than on Sundays) so "this week" is always a full seven days and the
    flags, bars and tables all use the same weeks. ``weeks=None`` reaches back to the first record.
    ``ratings``: the daily ratings of those weeks when already worked out (:func:`daily_ratings`).
    """
    if weeks is None:
        weeks = (today - (first_day(history) or today)).days // 7 + 1
    ends = [today - timedelta(7 * k) for k in range(weeks - 1, -1, -1)]
    return tuple(_week(history, end - timedelta(6), end, ratings) for end in ends)


@dataclass(frozen=True)
class BaselineChange:
    """Mean daily soreness in the first 14 days of records against the last 14 days."""

    knee: Knee
    baseline: float | None
    current: float | None
    verdict: Verdict

    @property
    def change(self) -> float | None:
        return (
            None if self.baseline is None or self.current is None else self.current - self.baseline
        )

    @property
    def fraction(self) -> float | None:
        """The change as a share of the baseline (None when the baseline is 0)."""
        return self.change / self.baseline if self.change is not None and self.baseline else None

    @property
    def words(self) -> str:
        """The change in plain words, without naming the knee."""
        if self.change is None or self.baseline is None or self.current is None:
            return f"not enough data yet (needs {2 * BASELINE_DAYS} days of check-ins)."
        share = f", {self.fraction:+.0%}" if self.fraction is not None else ""
        return (
            f"{self.baseline:.1f} in the first {BASELINE_DAYS} days, {self.current:.1f} in the "
            f"last {BASELINE_DAYS} ({self.change:+.1f} points{share}): {self.verdict}."
        )

    def __str__(self) -> str:
        return f"{self.knee.capitalize()} knee: {self.words}"


def verdict(baseline: float, current: float) -> Verdict:
    """Whether a change in mean soreness is clinically meaningful (Farrar et al. 2001).

    Meaningful: at least 2 points, or at least 30% of the baseline and at least 1 point (see
    SMALLEST_CHANGE). Boundaries count: exactly 2 points, or exactly 30% and 1 point, is meaningful.
    """
    change = current - baseline
    size = abs(change)
    big = size >= MCID_POINTS - EPS or (
        baseline > 0 and size / baseline >= MCID_FRACTION - EPS and size >= SMALLEST_CHANGE - EPS
    )
    if not big:
        return "no meaningful change"
    return "improving" if change < 0 else "worsening"


def change_from_baseline(
    history: History, knee: Knee, today: date, *, ratings: DailyRatings | None = None
) -> BaselineChange:
    """Change in one knee's soreness since the first 14 days of check-ins.

    "Not enough data" until the last 14 days and the first 14 no longer overlap, or when either
    has no ratings: a verdict from overlapping windows would compare the client with themselves.
    ``ratings``: the client's daily ratings when already worked out (:func:`daily_ratings`).
    """
    if not history.checkins or (first := history.checkins[0].at.date()) > today:
        return BaselineChange(knee, None, None, "not enough data")
    side = KNEES.index(knee)

    def window_mean(start: date, end: date) -> float | None:
        # Only the two windows are looked at: a daily series over a two-year record cost the
        # clinic overview most of its time (kneekit bench, scale).
        rated = (ratings or DailyRatings.of(history, [(start, end)])).between(start, end)
        return mean_of(r[side] for r in rated)

    baseline = window_mean(first, min(today, first + timedelta(BASELINE_DAYS - 1)))
    recent = today - timedelta(BASELINE_DAYS - 1)
    current = window_mean(recent, today) if recent > first + timedelta(BASELINE_DAYS - 1) else None
    if baseline is None or current is None:
        return BaselineChange(knee, baseline, current, "not enough data")
    return BaselineChange(knee, baseline, current, verdict(baseline, current))


def two_week_trend(
    history: History, today: date, *, ratings: DailyRatings | None = None
) -> tuple[Direction | None, float | None]:
    """Mean daily soreness (sorer knee) in the last 14 days minus the 14 before, and its arrow.

    "up" or "down" when the change is at least 1 point (SMALLEST_CHANGE, Salaffi et al. 2004),
    else "flat"; ``(None, None)`` when either fortnight has no ratings. ``ratings``: the client's
    daily ratings when already worked out (:func:`daily_ratings`).
    """
    start, split = today - timedelta(2 * TREND_DAYS - 1), today - timedelta(TREND_DAYS - 1)
    ratings = ratings or DailyRatings.of(history, [(start, today)])
    now = mean_of(max(r) for r in ratings.between(split, today))
    before = mean_of(max(r) for r in ratings.between(start, split - timedelta(1)))
    if now is None or before is None:
        return None, None
    change = now - before
    if abs(change) < SMALLEST_CHANGE - EPS:
        return "flat", change
    return ("up" if change > 0 else "down"), change


def assignment_on(history: History, day: date) -> Assignment | None:
    """The routine version the client was on that day (the latest assignment not after it)."""
    current = [a for a in history.assignments if a.since <= day]
    return max(current, key=lambda a: a.since) if current else None
