"""The ``kneekit`` command: routines, clients, check-ins, exports and reports from a terminal."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kneekit.errors import KneekitError, Problem, SorenessError
from kneekit.routines import (
    DOSE_GUIDELINE_S,
    Comparison,
    Routine,
    default_routine,
    format_duration,
    load_routine,
)
from kneekit.soreness import CONTEXTS, check_in
from kneekit.stretches import load_catalogue

if TYPE_CHECKING:
    from kneekit.store import Store

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


# -- clinic records -----------------------------------------------------------------------------
def _store(args: argparse.Namespace) -> Store:
    from kneekit.store import Store  # SQLAlchemy loads only for the commands that need it

    return Store.open(args.db)


def _clients(args: argparse.Namespace) -> int:
    with _store(args) as store:
        clients = store.clients()
        if not clients:
            print("No clients yet. Add one with: kneekit client add NAME")
            print("(or try kneekit with a demo clinic: kneekit demo --db demo.sqlite3)")
            return 0
        today = datetime.now(UTC).date()
        print(f"{'No.':>4}  {'Name':24}  {'Since':10}  Routine")
        for c in clients:
            version = store.current_version(c.id, today)
            routine = version.label if version else "kneekit's built-in routine"
            print(f"{c.id:>4}  {c.name:24}  {c.created_at:%Y-%m-%d}  {routine}")
    return 0


def _client_add(args: argparse.Namespace) -> int:
    with _store(args) as store:
        client = store.add_client(args.name, datetime.now(UTC))
        print(f"Added client {client.id}: {client.name}")
    return 0


def _typed(raw: str | None) -> object:
    """A number as typed on the command line; anything else goes to the check as typed, so its
    message quotes what the person wrote."""
    if raw is None:
        return None
    text = raw.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return raw


def _when(raw: str | None, now: datetime) -> datetime:
    """``--at`` as typed (local time unless it names its zone); without it, now."""
    if raw is None:
        return now
    try:
        # a naive time is the computer's local time; year 1 in a zone east of UTC overflows
        return datetime.fromisoformat(raw.strip()).astimezone(UTC)
    except (ValueError, OverflowError):
        raise SorenessError(
            [
                Problem(
                    "check-in",
                    "at",
                    f"{raw!r} is not a date and time; write e.g. 2026-03-01 18:30.",
                )
            ]
        ) from None


def _checkin(args: argparse.Namespace) -> int:
    with _store(args) as store:
        client = store.find_client(args.client)
        now = datetime.now(UTC)
        entry = check_in(
            client.id,
            _when(args.at, now),
            _typed(args.left),
            _typed(args.right),
            now=now,
            context=args.context,
            km=_typed(args.km),
            minutes=_typed(args.minutes),
            note=args.note,
        )
        store.add_checkin(entry)
        print(
            f"Saved for {client.name}: left knee {entry.left}, right knee {entry.right} "
            f"({entry.context}, {entry.at.astimezone():%Y-%m-%d %H:%M})."
        )
    return 0


def _export(args: argparse.Namespace) -> int:
    from kneekit.export import to_csv, to_json

    with _store(args) as store:
        client = store.find_client(args.client)
        text = (to_csv if args.format == "csv" else to_json)(store, client.id)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    try:  # write beside the target, then rename: a failed export never leaves half a file
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=out.parent, delete=False, suffix=".part"
        ) as part:
            part.write(text)
        os.replace(part.name, out)
    except OSError as exc:
        raise KneekitError(
            [Problem(str(out), "", f"the export cannot be written here ({exc.strerror}).")]
        ) from exc
    print(f"Wrote {client.name}'s records to {out}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from kneekit.report import write_report

    today = datetime.now(UTC).date()
    with _store(args) as store:
        client = store.find_client(args.client)
        version = store.current_version(client.id, today)
        routine = store.routine(version.id) if version is not None else None
        path = write_report(store.history(client.id), routine, Path(args.output), today)
    print(f"Wrote {client.name}'s progress report to {path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from kneekit.demo import RUNNERS, make_demo

    with _store(args) as store:
        make_demo(store, datetime.now(UTC).date())
        histories = store.histories()
        where = store.path or store.source
    checkins = sum(len(h.checkins) for h in histories)
    sessions = sum(len(h.sessions) for h in histories)
    print(f"Demo clinic made in {where}:")
    print(f"  {len(histories)} clients, {checkins} check-ins, {sessions} stretch sessions.")
    for runner in RUNNERS:
        print(f"  {runner.name:10} {runner.pattern}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kneekit",
        description="Post-run knee stretching routines for physios and their running clients.",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="the clinic database file (default: $KNEEKIT_DB, else your data folder)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def catalogue_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--catalogue",
            action="append",
            default=[],
            metavar="FILE",
            help="your own stretch catalogue file (adds or replaces stretches); may repeat",
        )

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

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            default=argparse.SUPPRESS,  # so that `kneekit --db X clients` is kept too
            metavar="PATH",
            help="the clinic database file (default: $KNEEKIT_DB, else your data folder)",
        )

    clients = commands.add_parser("clients", help="list the clinic's clients")
    clients.set_defaults(run=_clients)
    client = commands.add_parser("client", help="add a client")
    client_actions = client.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = client_actions.add_parser("add", help="add a client by name, e.g. 'Anna K.'")
    add.add_argument("name", help="the client's name as you want to see it")
    add.set_defaults(run=_client_add)
    checkin = commands.add_parser(
        "checkin",
        help="record a client's knee soreness (0 = none, 10 = worst imaginable)",
        description="Record how sore each knee is (0-10), and the run if there was one.",
    )
    checkin.add_argument("client", help="the client's name or number (see: kneekit clients)")
    checkin.add_argument("--left", required=True, metavar="N", help="left knee, 0 to 10")
    checkin.add_argument("--right", required=True, metavar="N", help="right knee, 0 to 10")
    checkin.add_argument(
        "--context", default="after-run", metavar="WHEN", help=f"one of {', '.join(CONTEXTS)}"
    )
    checkin.add_argument("--km", metavar="X", help="run distance in km")
    checkin.add_argument("--minutes", metavar="M", help="run time in minutes")
    checkin.add_argument("--note", default="", help="anything worth remembering")
    checkin.add_argument(
        "--at", metavar="WHEN", help="when it was felt, e.g. '2026-03-01 18:30' (default: now)"
    )
    checkin.set_defaults(run=_checkin)
    export = commands.add_parser(
        "export",
        help="write all of one client's records to a file",
        description=(
            "Write all of one client's records. JSON holds everything: the client, the routine "
            "versions followed (as routine files), assignments, check-ins, and every session "
            "with each step. CSV is one table for a spreadsheet, oldest first, with a row per "
            "check-in and per session (record = check-in or session); steps are in JSON only."
        ),
    )
    export.add_argument("client", help="the client's name or number")
    export.add_argument("--format", choices=("csv", "json"), required=True)
    export.add_argument("-o", "--output", metavar="FILE", help="file to write (default: print)")
    export.set_defaults(run=_export)
    report = commands.add_parser(
        "report",
        help="write a client's progress report (PDF) to hand over",
        description=(
            "A PDF of one client's progress: flags worth a look, change since the first two "
            "weeks, adherence, the routine in use and its dose, and the figures."
        ),
    )
    report.add_argument("client", help="the client's name or number")
    report.add_argument("-o", "--output", required=True, metavar="FILE", help="PDF to write")
    report.set_defaults(run=_report)
    demo = commands.add_parser(
        "demo", help="make a demo clinic (6 clients, 12 weeks) in a new database"
    )
    demo.set_defaults(run=_demo)
    from kneekit.bench import add_command as add_bench
    from kneekit.serve import add_commands as add_serving

    add_bench(commands)

    for p in (clients, add, checkin, export, report, demo, *add_serving(commands)):
        db_option(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; bad input prints what is wrong and exits 2, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KneekitError as error:
        print(f"kneekit: cannot use this input.\n{error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (e.g. `| head`) stopped listening; not an error
        sys.stdout = None  # type: ignore[assignment]
        return 0


if __name__ == "__main__":
    sys.exit(main())
