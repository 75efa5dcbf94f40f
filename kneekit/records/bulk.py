"""Many records in a few round trips: check-ins and whole played sessions, for bulk loads.

The demo clinic, imports and ``kneekit db copy`` write thousands of rows. One INSERT per row is
one round trip each: cheap on SQLite in the same process, a network hop on PostgreSQL (issue
#15 measured the demo at 19,504 statements, 9-16 s there). Here each table gets one executemany,
which SQLAlchemy sends as multi-row INSERTs ("insertmanyvalues") on both engines, RETURNING the
new ids in the order given. Each call is one transaction (or part of the caller's batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from kneekit.outcomes.checkin import CheckIn
from kneekit.records import schema as s
from kneekit.records.database import Database, aware, offset_min
from kneekit.records.sessions import holds_held
from kneekit.routines.routine import default_routine
from kneekit.routines.session import StepRecord


@dataclass(frozen=True)
class PlayedSession:
    """A guided session already over: what :meth:`SessionLog.start`, ``save_step`` and
    ``finish`` would have saved one call at a time."""

    client_id: int
    version_id: int | None
    started_at: datetime
    records: tuple[StepRecord, ...]
    ended_at: datetime
    completed: bool


def _require_clients(db: Database, conn: Any, ids: set[int]) -> None:
    found = set(conn.execute(select(s.clients.c.id).where(s.clients.c.id.in_(ids))).scalars())
    if missing := sorted(ids - found):
        raise db.problem("client", f"there is no client number {missing[0]!r}.")


def add_checkins(db: Database, checkins: Sequence[CheckIn]) -> None:
    """Save many check-ins at once (each checked its own values when built); one round trip."""
    rows: list[dict[str, Any]] = []
    for c in checkins:
        rows.append(
            {
                "client_id": c.client_id,
                "at": c.at,
                "context": c.context,
                "left_knee": c.left,
                "right_knee": c.right,
                "km": c.km,
                "minutes": c.minutes,
                "note": c.note,
                "utc_offset_min": offset_min(c.at),
            }
        )
    if not rows:
        return
    with db.write() as conn:
        _require_clients(db, conn, {r["client_id"] for r in rows})
        conn.execute(s.checkins.insert(), rows)


def _holds(records: Sequence[StepRecord]) -> dict[int, tuple[float, float]]:
    """Each hold's latest record as (held, planned): a hold redone after "back" counts once."""
    return {r.index: (float(r.held_s), r.step.duration_s) for r in records if r.step.kind == "hold"}


def held(records: Sequence[StepRecord]) -> float:
    """Seconds held in a session; a hold redone after "back" counts once (its last record)."""
    return sum(h for h, _ in _holds(records).values())


def add_sessions(db: Database, sessions: Sequence[PlayedSession]) -> list[int]:
    """Save many finished sessions with all their steps; returns the new session numbers."""
    if not sessions:
        return []
    source = db.source
    with db.write() as conn:
        _require_clients(db, conn, {p.client_id for p in sessions})
        v = s.routine_versions.c
        wanted = {p.version_id for p in sessions if p.version_id is not None}
        planned: dict[int | None, int] = {
            r[0]: r[1] for r in conn.execute(select(v.id, v.hold_s).where(v.id.in_(wanted)))
        }
        if missing := sorted(wanted - planned.keys()):
            raise db.problem("routine", f"there is no routine version {missing[0]!r}.")
        planned[None] = default_routine().hold_s
        rows = [
            {
                "client_id": p.client_id,
                "version_id": p.version_id,
                "started_at": aware(p.started_at, "started_at", source),
                "ended_at": aware(p.ended_at, "ended_at", source),
                "completed": bool(p.completed) and holds_held(_holds(p.records)),
                "planned_s": planned[p.version_id],
                "held_s": held(p.records),
                "utc_offset_min": offset_min(p.started_at),
                "entered_by_hand": False,
            }
            for p in sessions
        ]
        ids = list(
            conn.execute(
                s.sessions.insert().returning(s.sessions.c.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
        steps = [
            {
                "session_id": sid,
                "step_index": r.index,
                "kind": r.step.kind,
                "stretch": r.step.stretch.id,
                "side": r.step.side,
                "rep": r.step.rep,
                "start_s": r.step.start_s,
                "planned_s": r.step.duration_s,
                "held_s": float(r.held_s),
                "skipped": r.skipped,
                "started_at": aware(r.started_at, "started_at", source),
                "ended_at": aware(r.ended_at, "ended_at", source),
            }
            for sid, p in zip(ids, sessions, strict=True)
            for r in p.records
        ]
        if steps:
            conn.execute(s.session_steps.insert(), steps)
    return ids
