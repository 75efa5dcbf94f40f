"""Two demo runners with routine trials: one part-way through, one whose trial has finished.

Called from :func:`kneekit.demo.clinic.make_demo` (one line), or on its own on any clinic database.
Seeded like the rest of the demo; sessions are played through the real session engine.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, tzinfo

from kneekit.config import clinic_zone
from kneekit.demo.play import VARIANT, play
from kneekit.outcomes.checkin import CheckIn, check_in
from kneekit.records.bulk import PlayedSession, add_checkins, add_sessions
from kneekit.records.store import Store, VersionInfo
from kneekit.routines.routine import Routine, default_routine, parse_routine
from kneekit.trials.plan import TrialPlan, make_plan

DEMO_TRIALS = (
    # name, days since the trial started, the true B minus A effect, weekly km, seed of the order
    ("Lena K.", 38, -1.5, 28.0, 41),
    ("Omar H.", 70, -2.0, 32.0, 17),
)
"""Lena is in block 6 of 8 (4 pairs of a week); Omar finished two weeks ago, with B (the extra
calf rep) truly about 2 points lower the next morning."""

SESSION_CHANCE = 0.85
"""The demo runners stretch after most runs, as Maya and Elena in the main demo do."""
MORNING_CHANCE = 0.9
"""A trial asks for a rating every morning; the demo runners forget about one in ten."""


def demo_trials(
    store: Store, today: date, seed: int = 2026, zone: tzinfo | None = None
) -> list[TrialPlan]:
    """Add the two demo runners with their trials and records up to yesterday; returns the plans.

    Each plan is saved as a physio would, before its start, so its blocks are assigned; then
    the runner's days are played out: a run most days with an after-run check-in, a stretch
    session on the block's routine after most runs, and a next-morning rating nearly every day.
    Times are in ``zone`` (default: the clinic's), as in the main demo.
    """
    zone = zone or clinic_zone()
    plans = []
    with store.batch():
        first = datetime.combine(
            today - timedelta(max(d[1] for d in DEMO_TRIALS) + 3), time(8), zone
        )
        a, b = (_version(store, r, first) for r in (default_routine(), parse_routine(VARIANT)))
        for i, (name, ago, effect, km, order_seed) in enumerate(DEMO_TRIALS):
            rng = random.Random(seed * 1000 + 100 + i)
            start = today - timedelta(ago)
            opened = datetime.combine(start - timedelta(3), time(8), zone)
            client = store.add_client(name, opened)
            plan = make_plan(client.id, (a.id, a.label), (b.id, b.label), start, order_seed)
            plan = store.trials.save(plan, start - timedelta(3), opened)
            _days(store, plan, datetime.combine(today, time(0), zone), (effect, km), rng)
            plans.append(plan)
    return plans


def _version(store: Store, routine: Routine, when: datetime) -> VersionInfo:
    """The saved version holding exactly ``routine`` (the main demo saves both routines under
    one name, so saving again would make new numbers), else a newly saved one."""
    for version in store.versions():
        if store.routine(version.id).to_yaml() == routine.to_yaml():
            return version
    return store.save_routine(routine, when)


def _days(
    store: Store, plan: TrialPlan, now: datetime, runner: tuple[float, float], rng: random.Random
) -> None:
    """Play out the runner's days up to ``now`` (today's midnight in the clinic's zone):
    ``runner`` is (true B minus A effect, weekly km)."""
    checkins: list[CheckIn] = []
    sessions: list[PlayedSession] = []
    effect, km = runner
    routines = {v: store.routine(v) for v in (plan.a_version, plan.b_version)}
    arm_on = {d: b.arm for b in plan.blocks for d in b.days()}
    zone = now.tzinfo
    for n in range((now.date() - plan.start).days):
        after: int | None = None
        day = plan.start + timedelta(n)
        arm = arm_on.get(day, plan.blocks[-1].arm)  # after the trial: the last block's routine
        level = 4.5 - 0.15 * n / 7 + (effect if arm == "B" else 0.0)
        if day.weekday() in (0, 2, 4, 6):
            ran = datetime.combine(day, time(17), zone) + timedelta(minutes=rng.randint(0, 120))
            dist = round(km / 4 * rng.uniform(0.8, 1.2), 1)
            after = min(10, max(0, round(level + 0.5 + rng.gauss(0, 0.8))))
            checkins.append(
                check_in(
                    plan.client_id,
                    ran,
                    after,
                    max(0, after - 2),
                    now=now,
                    km=dist,
                    minutes=round(dist * 5.8),
                )
            )
            if rng.random() < SESSION_CHANCE:
                version = plan.version(arm)
                began = ran + timedelta(minutes=rng.randint(3, 15))
                records, ended, completed = play(routines[version], began, rng, 0.05, 0.05)
                sessions.append(
                    PlayedSession(plan.client_id, version, began, tuple(records), ended, completed)
                )
        morning = datetime.combine(day + timedelta(1), time(7), zone)
        if morning < now and rng.random() < MORNING_CHANCE:
            rating = min(10, max(0, round(level + rng.gauss(0, 0.8))))
            if after is not None:  # soreness settles by the morning after a run in this demo
                rating = min(rating, after)
            right = max(0, rating - 1) if after is None else min(max(0, rating - 1), after - 2)
            checkins.append(
                check_in(
                    plan.client_id,
                    morning,
                    rating,
                    max(0, right),
                    now=now,
                    context="next-morning",
                )
            )
    # Hundreds of rows, a few statements (kneekit.records.bulk), as in the main demo.
    add_checkins(store, checkins)
    add_sessions(store, sessions)
