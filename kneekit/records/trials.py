"""Routine trials in the clinic database: plans, the routine of each block, stopping early.

Saving a plan also assigns each block's routine to the client from the block's first day, in the
same transaction: the client's page then plays the current block's routine without the client
choosing it. A plan is written once; once started it can only be stopped, with a reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from kneekit.history import History
from kneekit.records import schema as s
from kneekit.records.database import Database, aware
from kneekit.trials.plan import (
    TrialPlan,
    problem,
    refuse_change,
    state,
    stopped,
    trial_status_words,
)

_t = s.trials.c


def _plan(row: Any, labels: dict[int, str]) -> TrialPlan:
    return TrialPlan(
        row.client_id,
        row.a_version_id,
        row.b_version_id,
        labels[row.a_version_id],
        labels[row.b_version_id],
        row.start,
        row.pairs,
        row.block_days,
        row.washout_days,
        row.run_in_days,
        row.outcome,
        row.knee,
        row.threshold,
        int(row.seed),
        tuple(row.orders.split(",")),
        row.created_at,
        row.stopped_on,
        row.stop_reason or "",
        row.id,
    )


class TrialRecords:
    """Routine trials: ``store.trials`` of a :class:`~kneekit.records.store.Store`, sharing its
    connection."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _labels(self, conn: Connection) -> dict[int, str]:
        v = s.routine_versions.c
        return {r.id: f"{r.name} v{r.number}" for r in conn.execute(select(v.id, v.name, v.number))}

    def _all(self, conn: Connection, where: Any) -> list[TrialPlan]:
        labels = self._labels(conn)
        rows = conn.execute(select(s.trials).where(where).order_by(_t.start, _t.id)).all()
        return [_plan(r, labels) for r in rows]

    def for_client(self, client_id: int) -> list[TrialPlan]:
        """Every trial planned for a client, oldest first."""
        with self._db.read() as conn:
            return self._all(conn, _t.client_id == client_id)

    def latest(self, client_id: int) -> TrialPlan | None:
        """The client's most recent trial (None if they never had one)."""
        found = self.for_client(client_id)
        return found[-1] if found else None

    def status_words(
        self, client_id: int, history: History, today: date, *, for_client: bool = False
    ) -> str | None:
        """Where the client's latest trial stands in one line, or None without a trial.

        For the clinic overview and the trends page (:func:`kneekit.trials.plan.trial_status_words`;
        ``for_client`` words it for the runner's own page, without A or B).
        """
        plan = self.latest(client_id)
        if plan is None:
            return None
        return trial_status_words(plan, history, today, for_client=for_client)

    def active(self, today: date) -> dict[int, TrialPlan]:
        """Every client's planned or running trial, by client id (for the clinic overview)."""
        with self._db.read() as conn:
            plans = self._all(conn, _t.stopped_on.is_(None))
        return {p.client_id: p for p in plans if state(p, today) in ("planned", "running")}

    def save(self, plan: TrialPlan, today: date, now: datetime) -> TrialPlan:
        """Store a new plan and assign each block's routine from the block's first day.

        Refuses (StoreError-like TrialError) when the client already has a trial planned or
        running: one trial at a time, or the blocks would clash.
        """
        created = aware(now, "now", self._db.source)
        with self._db.write() as conn:
            self._db.require(conn, s.clients, plan.client_id, "client")
            for version in (plan.a_version, plan.b_version):
                self._db.require(conn, s.routine_versions, version, "routine")
            for other in self._all(conn, _t.client_id == plan.client_id):
                if state(other, today) in ("planned", "running"):
                    when = (
                        "starts" if state(other, today) == "planned" else "has been running since"
                    )
                    raise problem(
                        "client",
                        f"this client already has a trial that {when} {other.start:%d %b %Y}; "
                        f"one trial at a time. See it with: kneekit trial status {plan.client_id} "
                        f"(stop it early with: kneekit trial stop {plan.client_id} --reason TEXT).",
                    )
            row: dict[str, Any] = {
                "client_id": plan.client_id,
                "a_version_id": plan.a_version,
                "b_version_id": plan.b_version,
                "start": plan.start,
                "pairs": plan.pairs,
                "block_days": plan.block_days,
            }
            row |= {"washout_days": plan.washout_days, "run_in_days": plan.run_in_days}
            row |= {"outcome": plan.outcome, "knee": plan.knee, "threshold": plan.threshold}
            row |= {"seed": str(plan.seed), "orders": ",".join(plan.orders)}
            trial_id = self._db.insert(conn, s.trials, row | {"created_at": created})
            self._assign(conn, plan)
            return self._get(conn, trial_id)  # as stored: labels are the versions' own

    def _assign(self, conn: Connection, plan: TrialPlan) -> None:
        a = s.assignments.c
        for block in plan.blocks:
            version = plan.version(block.arm)
            where = (a.client_id == plan.client_id) & (a.since == block.start)
            if conn.execute(select(a.id).where(where)).first() is None:
                conn.execute(
                    s.assignments.insert().values(
                        client_id=plan.client_id, version_id=version, since=block.start
                    )
                )
            else:
                conn.execute(s.assignments.update().where(where).values(version_id=version))

    def _unassign(self, conn: Connection, plan: TrialPlan, after: date | None) -> None:
        """Remove the trial's block assignments (those after ``after`` only, if given)."""
        a = s.assignments.c
        starts = [b.start for b in plan.blocks if after is None or b.start > after]
        if starts:
            conn.execute(
                delete(s.assignments).where(
                    (a.client_id == plan.client_id)
                    & a.since.in_(starts)
                    & a.version_id.in_((plan.a_version, plan.b_version))
                )
            )

    def _get(self, conn: Connection, trial_id: int) -> TrialPlan:
        found = self._all(conn, _t.id == trial_id)
        if not found:
            raise problem("trial", f"there is no trial number {trial_id}.")
        return found[0]

    def drop(self, trial_id: int, today: date) -> TrialPlan:
        """Remove a plan that has not started, with its assignments; a started one is refused.

        To change a plan before it starts, drop it and plan again (with a new seed or the same).
        """
        with self._db.write() as conn:
            plan = self._get(conn, trial_id)
            refuse_change(plan, today)
            self._unassign(conn, plan, None)
            conn.execute(delete(s.trials).where(_t.id == trial_id))
        return plan

    def change(self, trial_id: int, plan: TrialPlan, today: date, now: datetime) -> TrialPlan:
        """Replace a plan that has not started; a started plan refuses with a clear message."""
        with self._db.read() as conn:
            refuse_change(self._get(conn, trial_id), today)
        self.drop(trial_id, today)
        return self.save(plan, today, now)

    def stop(self, trial_id: int, on: date, reason: str) -> TrialPlan:
        """Stop a started trial early on ``on``, recording why; blocks after it are unassigned,
        so the client stays on the current block's routine until the physio assigns another."""
        with self._db.write() as conn:
            plan = stopped(self._get(conn, trial_id), on, reason)
            conn.execute(
                s.trials.update()
                .where(_t.id == trial_id)
                .values(stopped_on=plan.stopped_on, stop_reason=plan.stop_reason)
            )
            self._unassign(conn, plan, on)
        return plan
