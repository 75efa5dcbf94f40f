"""Reading the clinic's records back: stored rows as check-ins and routine versions, each
client's latest and opening check-ins, and whole histories in four queries.

:class:`~kneekit.records.store.Store` answers with these (``store.history``,
``store.histories``, ``store.latest_checkins``, ``store.opening_checkins``); they are apart from
its writes because the clinic overview's speed is decided here, by how rows become objects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, true

from kneekit.history import History, Run, SessionSummary
from kneekit.outcomes.checkin import CheckIn
from kneekit.records import schema as s
from kneekit.records.database import Database, aware, local
from kneekit.routines.routine import Assignment


@dataclass(frozen=True)
class VersionInfo:
    """One saved version of a routine; versions of the same name are numbered from 1."""

    id: int
    name: str
    number: int
    created_at: datetime

    @property
    def label(self) -> str:
        """How a physio tells versions apart: ``Post-run knees v2``."""
        return version_label(self.name, self.number)


def version_label(name: str, number: int) -> str:
    """The one way a routine version is named to people: ``Post-run knees v2``."""
    return f"{name} v{number}"


_k = s.checkins.c
CHECKIN_COLUMNS = (
    _k.client_id,
    _k.at,
    _k.context,
    _k.left_knee,
    _k.right_knee,
    _k.km,
    _k.minutes,
    _k.note,
    _k.utc_offset_min,
)
"""The columns of a check-in, in the order :class:`kneekit.outcomes.checkin.CheckIn` takes them,
then its UTC offset."""


def checkin_of(row: Any) -> CheckIn:
    """A check-in row as recorded, its time in the offset where it was made; see
    :meth:`~kneekit.outcomes.checkin.CheckIn.stored` for why it is not checked again."""
    return CheckIn.stored(row[0], local(row[1], row[8]), *row[2:8])


def latest_checkins(db: Database, until: datetime | None) -> dict[int, CheckIn]:
    """See :meth:`kneekit.records.store.Store.latest_checkins`."""
    k, c, later = s.checkins.c, s.clients.c, s.checkins.alias("later").c
    before = true() if until is None else later.at < aware(until, "until", db.source)
    latest = (
        select(later.id)
        .where((later.client_id == c.id) & before)
        .order_by(later.at.desc(), later.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(*CHECKIN_COLUMNS).join_from(s.clients, s.checkins, k.id == latest)
    with db.read() as conn:
        return {row[0]: checkin_of(row) for row in conn.execute(query)}


def opening_checkins(db: Database, days: int) -> dict[int, list[CheckIn]]:
    """See :meth:`kneekit.records.store.Store.opening_checkins`."""
    k = s.checkins.c
    with db.read() as conn:
        firsts = conn.execute(select(k.client_id, func.min(k.at)).group_by(k.client_id)).all()
        out: dict[int, list[CheckIn]] = defaultdict(list)
        # A day of margin: the opening is counted in local days, the query in UTC.
        ranges = [(cid, first + timedelta(days=days + 1)) for cid, first in firsts]
        for chunk in range(0, len(ranges), 200):
            where = or_(
                *(
                    (k.client_id == cid) & (k.at < until)
                    for cid, until in ranges[chunk : chunk + 200]
                )
            )
            query = select(*CHECKIN_COLUMNS).where(where).order_by(k.client_id, k.at, k.id)
            for row in conn.execute(query):
                out[row[0]].append(checkin_of(row))
    return dict(out)


def histories(db: Database, client_id: int | None, since: datetime | None) -> list[History]:
    """One client's history (``client_id``), or every client's (None), alphabetical; see
    :meth:`kneekit.records.store.Store.histories`."""
    c, k, se, a, v = (
        s.clients.c,
        s.checkins.c,
        s.sessions.c,
        s.assignments.c,
        s.routine_versions.c,
    )

    start = None if since is None else aware(since, "since", db.source)

    def only(col: Any, at: Any = None) -> Any:
        who = true() if client_id is None else col == client_id
        return who if at is None or start is None else who & (at >= start)

    checkins: dict[int, list[CheckIn]] = defaultdict(list)
    sessions: dict[int, list[SessionSummary]] = defaultdict(list)
    assigned: dict[int, list[Assignment]] = defaultdict(list)
    runs: dict[int, list[Run]] = defaultdict(list)
    with db.read() as conn:
        people = conn.execute(select(c.id, c.name).where(only(c.id)).order_by(c.name_key)).all()
        order = (k.client_id, k.at, k.id)
        query = select(*CHECKIN_COLUMNS).where(only(k.client_id, k.at)).order_by(*order)
        for ck in conn.execute(query):
            checkins[ck[0]].append(checkin_of(ck))
        summary = [se.id, se.client_id, se.started_at, se.version_id, se.planned_s, se.held_s]
        order = (se.client_id, se.started_at, se.id)
        for ss in conn.execute(
            select(*summary, se.completed, se.utc_offset_min)
            .where(only(se.client_id, se.started_at))
            .order_by(*order)
        ):
            sessions[ss[1]].append(
                SessionSummary(ss[0], ss[1], local(ss[2], ss[7]), *tuple(ss)[3:7])
            )
        r = s.runs.c
        for rn in conn.execute(
            select(r.client_id, r.started_at, r.utc_offset_min, r.km, r.minutes, r.source)
            .where(only(r.client_id, r.started_at))
            .order_by(r.client_id, r.started_at, r.id)
        ):
            runs[rn[0]].append(Run(rn[0], local(rn[1], rn[2]), rn[3], rn[4], rn[5]))
        for asg in conn.execute(
            select(a.client_id, a.version_id, v.name, v.number, a.since)
            .join_from(s.assignments, s.routine_versions)
            .where(only(a.client_id))
            .order_by(a.client_id, a.since)
        ):
            assigned[asg[0]].append(
                Assignment(asg[0], asg[1], version_label(asg[2], asg[3]), asg[4])
            )
    return [
        History(
            pid,
            name,
            tuple(checkins.get(pid, ())),
            tuple(sessions.get(pid, ())),
            tuple(assigned.get(pid, ())),
            tuple(runs.get(pid, ())),
        )
        for pid, name in people
    ]
