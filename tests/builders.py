"""A client's records built by hand for the tests of the pure modules (trends, flags, figures,
reports), each dated ``n`` days before :data:`TODAY`.

One copy for every test module: the defaults are what most tests want (client 1, a run rated at
18:00, a 9-minute session at 18:20 after it); a test that needs something else says so by name.
Tests that go through a store build their records with its own methods instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from kneekit.history import History, Run, SessionSummary
from kneekit.outcomes.checkin import CheckIn, Context
from kneekit.routines.routine import Assignment

TODAY = date(2026, 3, 31)  # a Tuesday


def day(n: int) -> date:
    """``n`` days before :data:`TODAY`."""
    return TODAY - timedelta(n)


def at(n: int, hour: int = 18, minute: int = 0) -> datetime:
    """An instant on :func:`day` ``n``, in UTC."""
    return datetime.combine(day(n), time(hour, minute), UTC)


def checkin(
    n: int,
    left: int,
    right: int,
    context: Context = "after-run",
    km: float | None = None,
    *,
    hour: int = 18,
    client: int = 1,
) -> CheckIn:
    """Any check-in; :func:`run`, :func:`morning` and :func:`other` are the common ones."""
    return CheckIn(client, at(n, hour), context, left, right, km)


def run(
    n: int, left: int, right: int, km: float | None = 5.0, *, hour: int = 18, client: int = 1
) -> CheckIn:
    """The ratings after a run (of ``km``: an after-run check-in with a distance is a run)."""
    return checkin(n, left, right, "after-run", km, hour=hour, client=client)


def morning(n: int, left: int, right: int) -> CheckIn:
    """The next-morning ratings, at 07:00."""
    return checkin(n, left, right, "next-morning", hour=7)


def other(n: int, left: int, right: int) -> CheckIn:
    """Ratings at noon, after neither a run nor a night."""
    return checkin(n, left, right, "other", hour=12)


def session(
    n: int,
    completed: bool = True,
    *,
    client: int = 1,
    version: int | None = 1,
    hour: int = 18,
    minute: int = 20,
) -> SessionSummary:
    """A guided session of 540 s, held through or (not ``completed``) stopped at 100 s."""
    return SessionSummary(
        n, client, at(n, hour, minute), version, 540, 540.0 if completed else 100.0, completed
    )


def hist(
    checkins: Iterable[CheckIn] = (),
    sessions: Iterable[SessionSummary] = (),
    assignments: Iterable[Assignment] = (),
    runs: Iterable[Run] = (),
    *,
    name: str = "Sam Runner",
    client: int = 1,
) -> History:
    """A client's history, oldest first as the store gives it, whatever order the records come."""
    return History(
        client,
        name,
        tuple(sorted(checkins, key=lambda c: c.at)),
        tuple(sorted(sessions, key=lambda s: s.started_at)),
        tuple(assignments),
        tuple(sorted(runs, key=lambda r: r.start)),
    )
