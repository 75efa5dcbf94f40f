"""``kneekit trial plan|status|report|stop``: a randomised routine trial for one runner."""

from __future__ import annotations

import argparse
import json
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kneekit import config
from kneekit.trials.plan import (
    DEFAULT_PAIRS,
    DEFAULT_THRESHOLD,
    DEFAULT_WASHOUT_DAYS,
    KNEE_CHOICES,
    OUTCOMES,
    TrialPlan,
    make_plan,
    problem,
    state,
    trial_status_words,
)

if TYPE_CHECKING:
    from kneekit.records.store import Store

SEED_BITS = 31
"""Seeds drawn for a plan are below 2**31: short enough to write down on a paper record."""


def _store(args: argparse.Namespace) -> Store:
    from kneekit.cli.common import open_store

    return open_store(args)


def _version(store: Store, given: str, now: datetime) -> tuple[int, str]:
    """A routine version as typed: its number (see the lab or export), or a routine file, which
    is saved as a version (an unchanged file reuses the version it already is)."""
    text = given.strip()
    if text.isdigit():
        labels = {v.id: v.label for v in store.versions()}
        if int(text) not in labels:
            known = ", ".join(f"{i} ({label})" for i, label in labels.items()) or "none saved yet"
            raise problem("routine", f"there is no routine version {text}; versions: {known}.")
        return int(text), labels[int(text)]
    from kneekit.routines.routine import load_routine

    saved = store.save_routine(load_routine(text), now)
    return saved.id, saved.label


def _day(raw: str | None, today: date) -> date:
    if raw is None:
        return today
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise problem("start", f"{raw!r} is not a date; write e.g. 2026-03-02.") from None


def plan_lines(plan: TrialPlan) -> list[str]:
    """The plan as a physio reads it: routines, threshold, seed and each block's dates."""
    knee = "the sorer knee" if plan.knee == "sorer" else f"the {plan.knee} knee"
    outcome = "next-morning soreness" if plan.outcome == "next-morning" else "all soreness ratings"
    lines = [
        f"A: {plan.a_label}    B: {plan.b_label}",
        f"Outcome: {outcome} of {knee}; smallest difference that matters: "
        f"{plan.threshold:g} point{'' if plan.threshold == 1 else 's'}.",
        f"{plan.pairs} block pairs of {plan.block_days} days; "
        + (
            f"the first {plan.washout_days} day{'' if plan.washout_days == 1 else 's'} after "
            "each switch left out (washout). "
            if plan.washout_days
            else "no washout. "
        )
        + f"Order drawn from seed {plan.seed}.",
    ]
    if plan.run_in_days:
        lines.append(f"  run-in   {plan.start}  (current routine, not analysed)")
    lines += [
        f"  pair {b.pair}  {b.arm}  {b.start} to {b.end}  {plan.label(b.arm)}" for b in plan.blocks
    ]
    return lines


def status_json(plan: TrialPlan, today: date) -> dict[str, Any]:
    """``trial status --json``: the contract's keys, then more about the plan."""
    return {
        "state": state(plan, today),
        "seed": plan.seed,
        "threshold": plan.threshold,
        "blocks": [
            {"pair": b.pair, "arm": b.arm, "from": b.start.isoformat(), "to": b.end.isoformat()}
            for b in plan.blocks
        ],
        "a": {"version": plan.a_version, "label": plan.a_label},
        "b": {"version": plan.b_version, "label": plan.b_label},
        "start": plan.start.isoformat(),
        "end": plan.end.isoformat(),
        "washout_days": plan.washout_days,
        "run_in_days": plan.run_in_days,
        "outcome": plan.outcome,
        "knee": plan.knee,
        "orders": list(plan.orders),
        "orders_match_seed": plan.matches_seed(),
        "stopped_on": plan.stopped_on.isoformat() if plan.stopped_on else None,
        "stop_reason": plan.stop_reason or None,
    }


def _latest(store: Store, client_name: str) -> tuple[str, TrialPlan]:
    client = store.find_client(client_name)
    plan = store.trials.latest(client.id)
    if plan is None:
        raise problem(
            "client",
            f"{client.name} has no trial. Plan one with: kneekit trial plan "
            f"{client.id} --a ROUTINE --b ROUTINE",
        )
    return client.name, plan


def _plan(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    today = config.today(now)
    with _store(args) as store:
        client = store.find_client(args.client)
        a, b = _version(store, args.a, now), _version(store, args.b, now)
        plan = make_plan(
            client.id,
            a,
            b,
            _day(args.start, today),
            secrets.randbelow(2**SEED_BITS) if args.seed is None else args.seed,
            pairs=args.pairs,
            block_days=args.block_days,
            washout_days=args.washout_days,
            run_in_days=args.run_in_days,
            outcome=args.outcome,
            knee=args.knee,
            threshold=args.threshold,
        )
        saved = store.trials.save(plan, today, now)
    print(f"Trial planned for {client.name} (trial {saved.id}):")
    print("\n".join(plan_lines(saved)))
    print("Each block's routine is assigned on its dates; the client's page plays it.")
    return 0


def _status(args: argparse.Namespace) -> int:
    today = config.today()
    with _store(args) as store:
        name, plan = _latest(store, args.client)
        history = store.history(plan.client_id)
    if args.json:
        out = status_json(plan, today) | {"words": trial_status_words(plan, history, today)}
        print(json.dumps(out, indent=2))
        return 0
    print(f"{name}: {trial_status_words(plan, history, today)}")
    print("\n".join(plan_lines(plan)))
    return 0


def _report(args: argparse.Namespace) -> int:
    from kneekit.trials.judge import judge

    today = config.today()
    with _store(args) as store:
        name, plan = _latest(store, args.client)
        history = store.history(plan.client_id)
        result = judge(plan, history, today)
        if args.output:
            from kneekit.paper.trial import write_trial_report

            path = write_trial_report(result, history, Path(args.output))
            if not args.json:
                print(f"Wrote {name}'s trial report to {path}")
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    elif not args.output:
        print(f"{name}: {result.words}")
        print("Read with care:")
        print("\n".join(f"- {c}" for c in result.caveats))
    return 0


def _stop(args: argparse.Namespace) -> int:
    today = config.today()
    with _store(args) as store:
        name, plan = _latest(store, args.client)
        if plan.id is None:  # pragma: no cover - a stored plan always has its number
            raise problem("trial", "this trial was never stored.")
        done = store.trials.stop(plan.id, today, args.reason)
    print(f"{name}'s trial stopped on {done.stopped_on}: {done.stop_reason}")
    print("The client stays on the current block's routine until you assign another.")
    return 0


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add ``kneekit trial ...``; returns the parsers that take ``--db``."""
    trial = commands.add_parser("trial", help="plan, follow and judge a routine trial (A/B)")
    actions = trial.add_subparsers(dest="action", required=True, metavar="ACTION")
    plan = actions.add_parser(
        "plan",
        help="plan a randomised trial of two routines for one client",
        description="Blocks of routine A and B in pairs, each pair's order drawn at random.",
    )
    plan.add_argument("client", help="the client's name or number")
    for arm in ("a", "b"):
        plan.add_argument(f"--{arm}", required=True, metavar="ROUTINE", help="file or version no.")
    plan.add_argument("--pairs", type=int, default=DEFAULT_PAIRS, help="block pairs (3 or more)")
    plan.add_argument("--block-days", type=int, default=7, help="days in a block (7 or 14)")
    plan.add_argument("--start", metavar="DATE", help="first day (default: today)")
    plan.add_argument("--washout-days", type=int, default=DEFAULT_WASHOUT_DAYS)
    plan.add_argument("--run-in-days", type=int, default=0, help="baseline days before block 1")
    plan.add_argument("--outcome", choices=OUTCOMES, default="next-morning")
    plan.add_argument("--knee", choices=KNEE_CHOICES, default="sorer")
    plan.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="points (0-10)")
    plan.add_argument("--seed", type=int, help="seed of the random order (default: drawn)")
    plan.set_defaults(run=_plan)
    status = actions.add_parser("status", help="where a client's trial stands")
    report = actions.add_parser("report", help="judge a client's trial (words, JSON or PDF)")
    stop = actions.add_parser("stop", help="stop a client's trial early, saying why")
    for p in (status, report, stop):
        p.add_argument("client", help="the client's name or number")
    for p in (status, report):
        p.add_argument("--json", action="store_true", help="print JSON")
    report.add_argument("-o", "--output", metavar="FILE", help="write the report as a PDF")
    stop.add_argument("--reason", required=True, help="why it stops early")
    status.set_defaults(run=_status)
    report.set_defaults(run=_report)
    stop.set_defaults(run=_stop)
    return [plan, status, report, stop]
