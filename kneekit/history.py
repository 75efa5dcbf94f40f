"""The record types every layer shares: a client, a session as the trends see it, a client's
whole history, and what counts as a run in it. Pure data, so the analysis and the figures need no
database to run."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from kneekit.outcomes.checkin import CheckIn
from kneekit.routines.routine import Assignment


@dataclass(frozen=True)
class Client:
    """A runner the physio coaches."""

    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class SessionSummary:
    """One guided stretching session, as the trends need it."""

    session_id: int
    client_id: int
    started_at: datetime
    version_id: int | None
    planned_s: int
    held_s: float
    completed: bool


@dataclass(frozen=True)
class Run:
    """One run imported from a watch or phone file (GPX, FIT).

    An after-run check-in with a distance is a run too; :func:`runs` puts the two together, so a
    check-in made after an imported run is not counted as a second run.
    """

    client_id: int
    start: datetime  # timezone-aware, in the offset where the run was recorded
    km: float
    minutes: float | None
    source: str  # the file it came from, as the physio or client named it


@dataclass(frozen=True)
class History:
    """Everything recorded for one client, oldest first: the input to every trend and figure.

    ``assignments`` are the routine versions the client was put on, each from its own date;
    ``runs`` the runs imported from files (after-run check-ins carry the others).
    """

    client_id: int
    name: str
    checkins: tuple[CheckIn, ...]
    sessions: tuple[SessionSummary, ...]
    assignments: tuple[Assignment, ...]
    runs: tuple[Run, ...] = ()


@dataclass(frozen=True)
class RunDone:
    """A run as adherence sees it: its local day, its distance, and when it was over.

    ``done_at`` is when a stretch session may start to count as following it: the after-run
    check-in's time, or for a run imported from a file, its end (the later of the two when an
    after-run check-in belongs to an imported run).
    """

    day: date
    km: float
    done_at: datetime
    source: str  # the imported file's name, or "check-in"


def runs(history: History) -> list[RunDone]:
    """Every run, oldest first: runs imported from files, and after-run check-ins with a distance.

    An after-run check-in made the same local day after an imported run started belongs to that
    run (the client rating the run the watch recorded), so it is not counted as a second run.
    """
    imported: dict[date, list[tuple[datetime, RunDone]]] = {}
    for r in history.runs:
        end = r.start + timedelta(minutes=r.minutes or 0)
        imported.setdefault(r.start.date(), []).append(
            (r.start, RunDone(r.start.date(), r.km, end, r.source))
        )
    out: list[RunDone] = []
    for c in history.checkins:
        if c.context != "after-run" or c.km is None or c.km <= 0:
            continue
        day = c.at.date()
        before = [i for i, (began, _) in enumerate(imported.get(day, [])) if began <= c.at]
        if before:
            began, run = imported[day][before[-1]]
            imported[day][before[-1]] = (began, replace(run, done_at=max(run.done_at, c.at)))
        else:
            out.append(RunDone(day, c.km, c.at, "check-in"))
    out += [run for same_day in imported.values() for _, run in same_day]
    return sorted(out, key=lambda run: run.done_at)
