"""``kneekit stretches`` and ``kneekit routine check|plan|compare``: routine files."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kneekit.cli.common import catalogue_option
from kneekit.routines.catalogue import load_catalogue
from kneekit.routines.routine import (
    DOSE_GUIDELINE_S,
    Comparison,
    Routine,
    default_routine,
    format_duration,
    load_routine,
)

_SIDES = {"left": "left leg", "right": "right leg", "both": "both legs", None: ""}


def _routine(path: str | None, catalogues: list[str]) -> Routine:
    catalogue = load_catalogue(catalogues)
    return load_routine(path, catalogue) if path else default_routine(catalogue)


def _check(args: argparse.Namespace) -> int:
    routine = _routine(args.file, args.catalogue)
    print(f"{routine.name}: OK")
    print(f"  {len(routine.steps)} steps, {format_duration(routine.total_s)} in all")
    print(f"  Dose (seconds held per muscle group; guideline ~{DOSE_GUIDELINE_S} s per leg):")
    for group, legs in routine.dose().items():
        print(f"    {group:14} left {legs['left']:>4} s   right {legs['right']:>4} s")
    for note in routine.warnings() + routine.shortfalls():
        print(f"  Note: {note}")
    return 0


def _plan(args: argparse.Namespace) -> int:
    routine = _routine(args.file, args.catalogue)
    if args.json:
        print(json.dumps(routine.plan(), indent=2))
        return 0
    print(f"{routine.name} ({format_duration(routine.total_s)})")
    for step in routine.steps:
        start = format_duration(step.start_s) if step.start_s else "0 s"
        what = {
            "prepare": f"Get ready: {step.stretch.name}",
            "hold": f"Hold {step.stretch.name}, {_SIDES[step.side]} (rep {step.rep})",
            "switch": "Change legs",
            "rest": "Rest",
        }[step.kind]
        print(f"  {start:>11}  {step.duration_s:>3} s  {what}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.catalogue)
    print(Comparison(load_routine(args.a, catalogue), load_routine(args.b, catalogue)))
    return 0


def _stretches(args: argparse.Namespace) -> int:
    print("\n\n".join(str(s) for s in load_catalogue(args.catalogue).values()))
    return 0


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add the catalogue and routine-file commands; none of them opens the clinic database."""
    stretches = commands.add_parser("stretches", help="list the stretch catalogue")
    catalogue_option(stretches)
    stretches.set_defaults(run=_stretches)

    routine = commands.add_parser("routine", help="check, plan or compare routine files")
    actions = routine.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="check a routine file and summarise it")
    check.add_argument("file", nargs="?", help="routine file (default: kneekit's own routine)")
    check.set_defaults(run=_check)
    plan = actions.add_parser("plan", help="print the timeline of a session")
    plan.add_argument("file", nargs="?", help="routine file (default: kneekit's own routine)")
    plan.add_argument("--json", action="store_true", help="print the timeline as JSON")
    plan.set_defaults(run=_plan)
    compare = actions.add_parser("compare", help="compare two routine variants")
    compare.add_argument("a", help="first routine file")
    compare.add_argument("b", help="second routine file")
    compare.set_defaults(run=_compare)
    for p in (check, plan, compare):
        catalogue_option(p)
    return []
