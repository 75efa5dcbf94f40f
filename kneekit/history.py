"""The record types every layer shares: a client, a session as the trends see it, and a client's
whole history. Pure data, so the analysis and the figures need no database to run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kneekit.routines import Assignment
from kneekit.soreness import CheckIn


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

    An after-run check-in with a distance is a run too; :func:`kneekit.trends.runs` puts the two
    together, so a check-in made after an imported run is not counted as a second run.
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
