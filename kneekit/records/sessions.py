"""Guided sessions as they happen: each step is saved the moment it completes.

A session row is made when the client presses Start; every step the engine ends (held, skipped,
cut short by Stop) is its own committed transaction, so a kernel killed mid-hold loses only the
hold under way. The session's total held time is kept up to date with each step, so overviews
need not add up millions of steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from kneekit.records import schema as s
from kneekit.records.database import Database, aware, local, offset_min
from kneekit.routines.routine import Routine, default_routine
from kneekit.routines.session import StepRecord

HELD_ENOUGH = 0.5
"""A session counts as completed only if each hold was held for at least half its planned time.

Half of a 30 s hold is 15 s, the short end of the 15–30 s holds the source article recommends:
less is not the stretch that was prescribed. Without this rule, Start then Skip through every
step in a few seconds was stored as a completed session and counted for adherence (issue #14).
kneekit's own rule, not a clinical threshold.
"""


def holds_held(latest: Mapping[int, tuple[float, float]]) -> bool:
    """Whether each hold was held long enough (:data:`HELD_ENOUGH`) for a completed session.

    ``latest`` maps each hold step's index to (seconds held, seconds planned) of its latest
    record: a step redone after "back" counts once.
    """
    return bool(latest) and all(held >= HELD_ENOUGH * planned for held, planned in latest.values())


@dataclass(frozen=True)
class SavedStep:
    """One step of a session as saved: what was planned, what was held, when."""

    session_id: int
    index: int
    kind: str
    stretch: str
    side: str | None
    rep: int
    start_s: int
    planned_s: int
    held_s: float
    skipped: bool
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True)
class Unfinished:
    """A session begun and never ended, to carry on from where its saves stop.

    ``next_step`` is the index of the first step after the last one saved (0 when none was);
    ``last`` is that last saved step, or None.
    """

    session_id: int
    version_id: int | None
    started_at: datetime
    next_step: int
    last: SavedStep | None


class SessionLog:
    """Guided sessions in the clinic database: ``store.sessions`` of a
    :class:`~kneekit.records.store.Store`, sharing its connection."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def start(self, client_id: int, version_id: int | None, started_at: datetime) -> int:
        """Record that a session began; ``version_id=None`` means kneekit's built-in routine."""
        at = aware(started_at, "started_at", self._db.source)
        with self._db.write() as conn:
            self._db.require(conn, s.clients, client_id, "client")
            planned: int | None = None
            if version_id is None:
                planned = default_routine().hold_s
            else:
                v = s.routine_versions.c
                planned = conn.execute(select(v.hold_s).where(v.id == version_id)).scalar()
                if planned is None:
                    raise self._db.problem(
                        "routine", f"there is no routine version {version_id!r}."
                    )
            row: dict[str, Any] = {
                "client_id": client_id,
                "version_id": version_id,
                "started_at": at,
            }
            row |= {"planned_s": planned, "completed": False, "held_s": 0.0}
            row |= {"utc_offset_min": offset_min(started_at)}
            return self._db.insert(conn, s.sessions, row)

    def add_by_hand(
        self, client_id: int, version_id: int | None, routine: Routine, at: datetime
    ) -> int:
        """Record a session done away from the player (a client's paper log): ``routine`` (the
        saved version ``version_id``, None for the built-in one) completed, holds as planned,
        marked as entered by hand. Returns its number."""
        started = aware(at, "at", self._db.source)
        with self._db.write() as conn:
            self._db.require(conn, s.clients, client_id, "client")
            if version_id is not None:
                self._db.require(conn, s.routine_versions, version_id, "routine version")
            row: dict[str, Any] = {"client_id": client_id, "version_id": version_id}
            row |= {"started_at": started, "ended_at": started + timedelta(seconds=routine.total_s)}
            row |= {"completed": True, "planned_s": routine.hold_s, "held_s": float(routine.hold_s)}
            row |= {"utc_offset_min": offset_min(at), "entered_by_hand": True}
            return self._db.insert(conn, s.sessions, row)

    def save_step(self, session_id: int, record: StepRecord) -> None:
        """Save one completed step, committed before returning (a crash later loses nothing)."""
        step = record.step
        started = aware(record.started_at, "started_at", self._db.source)
        ended = aware(record.ended_at, "ended_at", self._db.source)
        if not 0 <= record.held_s <= step.duration_s:
            raise self._db.problem("step", f"held {record.held_s} s of a {step.duration_s} s step.")
        t = s.session_steps.c
        with self._db.write() as conn:
            found = conn.execute(
                select(s.sessions.c.ended_at).where(s.sessions.c.id == session_id)
            ).first()
            if found is None:
                raise self._db.problem("session", f"there is no session number {session_id!r}.")
            if found.ended_at is not None:
                raise self._db.problem("session", f"session {session_id} has already finished.")
            row: dict[str, Any] = {
                "session_id": session_id,
                "step_index": record.index,
                "kind": step.kind,
            }
            row |= {"stretch": step.stretch.id, "side": step.side, "rep": step.rep}
            row |= {"start_s": step.start_s, "planned_s": step.duration_s}
            row |= {"held_s": float(record.held_s), "skipped": record.skipped}
            self._db.insert(conn, s.session_steps, row | {"started_at": started, "ended_at": ended})
            if step.kind == "hold":
                # A step redone after "back" counts once: its latest record is what was held.
                rows = conn.execute(
                    select(t.step_index, t.held_s)
                    .where(t.session_id == session_id, t.kind == "hold")
                    .order_by(t.id)
                ).all()
                held = sum(dict(rows).values())
                conn.execute(
                    s.sessions.update().where(s.sessions.c.id == session_id).values(held_s=held)
                )

    def finish(self, session_id: int, ended_at: datetime, completed: bool) -> None:
        """Mark a session ended: ``completed`` if it ran to the end, else it was stopped.

        A session that ran to the end is stored as completed only if its holds were held
        (:data:`HELD_ENOUGH`); skipped holds stay recorded as skipped. Finishing it again changes
        nothing: the first end is what happened.
        """
        at = aware(ended_at, "ended_at", self._db.source)
        se, t = s.sessions.c, s.session_steps.c
        with self._db.write() as conn:
            self._db.require(conn, s.sessions, session_id, "session")
            if completed:
                holds = conn.execute(
                    select(t.step_index, t.held_s, t.planned_s)
                    .where(t.session_id == session_id, t.kind == "hold")
                    .order_by(t.id)
                ).all()
                completed = holds_held({r.step_index: (r.held_s, r.planned_s) for r in holds})
            conn.execute(
                s.sessions.update()
                .where(se.id == session_id, se.ended_at.is_(None))
                .values(ended_at=at, completed=bool(completed))
            )

    def unfinished(self, client_id: int, today: date) -> Unfinished | None:
        """The client's latest session begun on ``today`` (its local day) that never ended.

        A page that lost its kernel mid-session leaves exactly this behind: the reloaded page
        offers to carry on from ``next_step``. Sessions of other days are not offered: a
        routine is one sitting, and yesterday's half is history, not a plan.
        """
        se = s.sessions.c
        query = (
            select(se.id, se.version_id, se.started_at, se.utc_offset_min)
            .where(se.client_id == client_id, se.ended_at.is_(None))
            .order_by(se.started_at.desc(), se.id.desc())
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            started = local(row.started_at, row.utc_offset_min)
            if started.date() != today:
                continue
            saved = self.steps(row.id)
            last = max(saved, key=lambda step: step.index) if saved else None
            following = 0 if last is None else last.index + 1
            return Unfinished(row.id, row.version_id, started, following, last)
        return None

    def steps(self, session_id: int) -> list[SavedStep]:
        """The steps saved for one session, in the order they were done."""
        return self._steps(s.session_steps.c.session_id == session_id).get(session_id, [])

    def client_steps(self, client_id: int) -> dict[int, list[SavedStep]]:
        """Every saved step of a client's sessions, by session number, in one query."""
        ids = select(s.sessions.c.id).where(s.sessions.c.client_id == client_id)
        return self._steps(s.session_steps.c.session_id.in_(ids))

    def _steps(self, where: Any) -> dict[int, list[SavedStep]]:
        t = s.session_steps.c
        cols = [t.session_id, t.step_index, t.kind, t.stretch, t.side, t.rep, t.start_s]
        cols += [t.planned_s, t.held_s, t.skipped, t.started_at, t.ended_at]
        out: dict[int, list[SavedStep]] = defaultdict(list)
        with self._db.read() as conn:
            for r in conn.execute(select(*cols).where(where).order_by(t.session_id, t.id)):
                out[r.session_id].append(SavedStep(*tuple(r)))
        return dict(out)
