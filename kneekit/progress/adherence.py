"""Adherence: how often runs are followed by stretching, defined once and shown everywhere.

The overview, the trends page, the calendar caption, the report, the client's own page and
``kneekit review`` all call :func:`adherence` and print ``str()`` of it, so a physio never sees
two numbers for the same thing. Pure functions over :class:`kneekit.history.History`; days are
local days (each record keeps the offset where it was made).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from kneekit.history import History, RunDone, SessionSummary, runs

Activity = Literal["ran", "stretched", "both", "neither"]

RECENT_DAYS = 28
"""Adherence covers the last four weeks unless told otherwise: recent enough to act on, long
enough to hold a dozen runs for a runner out three times a week (kneekit's own convention)."""


def followed(run: RunDone, sessions: list[SessionSummary]) -> bool:
    """Whether a completed stretch session started after the run, later the same local day.

    A session begun before the run was over (a morning stretch before an evening run) does not
    count for it: the source article's advice is to stretch after the run, while warm.
    """
    return any(
        s.completed and s.started_at.date() == run.day and s.started_at >= run.done_at
        for s in sessions
    )


@dataclass(frozen=True)
class Adherence:
    """Runs followed by a completed stretch session over a stated period, and sessions a week.

    ``days_followed`` is the part of the period the client has been followed (from their first
    record), so a client who started ten days ago is not divided by 28 days.
    """

    start: date
    end: date
    runs: int
    followed: int
    sessions: int
    days_followed: int

    @property
    def share(self) -> float | None:
        return self.followed / self.runs if self.runs else None

    @property
    def sessions_per_week(self) -> float | None:
        return self.sessions * 7 / self.days_followed if self.days_followed else None

    @property
    def period(self) -> str:
        """The period in words: "last 4 weeks" when it ends today in whole weeks, else dates."""
        days = (self.end - self.start).days + 1
        if days % 7 == 0:
            return f"last {days // 7} weeks" if days > 7 else "last 7 days"
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"

    @property
    def counts(self) -> str:
        """The figure without its period: "6 of 8 runs (75%)"."""
        if self.share is None:
            return "no runs recorded"
        return f"{self.followed} of {self.runs} runs ({self.share:.0%})"

    def __str__(self) -> str:
        return f"{self.period}: {self.counts}"

    def as_dict(self) -> dict[str, object]:
        """The figure as ``kneekit review --json`` prints it."""
        return {
            "runs": self.runs,
            "followed": self.followed,
            "share": None if self.share is None else round(self.share, 4),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
        }


def first_day(history: History) -> date | None:
    """The local date of the client's first check-in, session or run (None when none)."""
    days = [x[0].at.date() for x in (history.checkins,) if x]
    days += [x[0].started_at.date() for x in (history.sessions,) if x]
    days += [min(r.start for r in history.runs).date()] if history.runs else []
    return min(days) if days else None


def adherence(history: History, today: date, days: int | None = RECENT_DAYS) -> Adherence:
    """Adherence over the ``days`` days ending today (``None``: since the first record)."""
    begun = first_day(history) or today
    start = begun if days is None else today - timedelta(days - 1)
    sessions = _sessions(history.sessions, start, today)
    done = [r for r in runs(history) if start <= r.day <= today]
    return Adherence(
        start,
        today,
        len(done),
        sum(followed(r, sessions) for r in done),
        sum(s.completed for s in sessions),
        max(0, (today - max(start, begun)).days + 1),
    )


def _sessions(items: tuple[SessionSummary, ...], start: date, end: date) -> list[SessionSummary]:
    """Sessions whose local day is ``start`` to ``end``, found by bisection (records are in time
    order; a day of margin each side covers offsets that differ)."""

    def day(s: SessionSummary) -> date:
        return s.started_at.date()

    lo = bisect.bisect_left(items, start - timedelta(1), key=day)
    hi = bisect.bisect_right(items, end + timedelta(1), key=day)
    return [s for s in items[lo:hi] if start <= day(s) <= end]


def activity(history: History, start: date, end: date) -> dict[date, Activity]:
    """What happened each local day: a run, a completed stretch session, both, or neither."""
    ran = {r.day for r in runs(history) if start <= r.day <= end}
    stretched = {
        s.started_at.date() for s in _sessions(history.sessions, start, end) if s.completed
    }
    out: dict[date, Activity] = {}
    for i in range((end - start).days + 1):
        d = start + timedelta(i)
        out[d] = (
            ("both" if d in stretched else "ran")
            if d in ran
            else ("stretched" if d in stretched else "neither")
        )
    return out
