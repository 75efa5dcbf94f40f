"""``kneekit clients|client|checkin|export|report|demo``: the clinic's records from a terminal."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from kneekit import config
from kneekit.cli.common import clinic_now, open_store, typed, when
from kneekit.errors import KneekitError, Problem
from kneekit.outcomes.checkin import CONTEXTS, check_in
from kneekit.routines.routine import BUILT_IN


def _clients(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        clients = store.clients()
        if not clients:
            print("No clients yet. Add one with: kneekit client add NAME")
            print("(or try kneekit with a demo clinic: kneekit demo --db demo.sqlite3)")
            return 0
        today, zone = config.today(), config.clinic_zone()
        print(f"{'No.':>4}  {'Name':24}  {'Since':10}  Routine")
        for c in clients:
            version = store.current_version(c.id, today)
            routine = version.label if version else BUILT_IN
            print(f"{c.id:>4}  {c.name:24}  {c.created_at.astimezone(zone):%Y-%m-%d}  {routine}")
    return 0


def _client_add(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        client = store.add_client(args.name, clinic_now())
        print(f"Added client {client.id}: {client.name}")
    return 0


def _checkin(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        client = store.find_client(args.client)
        now = clinic_now()
        entry = check_in(
            client.id,
            when(args.at, now),
            typed(args.left),
            typed(args.right),
            now=now,
            context=args.context,
            km=typed(args.km),
            minutes=typed(args.minutes),
            note=args.note,
        )
        store.add_checkin(entry)
        print(
            f"Saved for {client.name}: left knee {entry.left}, right knee {entry.right} "
            f"({entry.context}, {entry.at.astimezone(config.clinic_zone()):%Y-%m-%d %H:%M})."
        )
    return 0


def _export(args: argparse.Namespace) -> int:
    from kneekit.exports.client import to_csv, to_fhir, to_json

    with open_store(args) as store:
        client = store.find_client(args.client)
        writer = {"csv": to_csv, "json": to_json, "fhir": to_fhir}[args.format]
        text = writer(store, client.id)
        store.audit.note(client.id, "exported", args.format)
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
    from kneekit.paper.report import write_report

    today = config.today()
    with open_store(args) as store:
        client = store.find_client(args.client)
        version = store.current_version(client.id, today)
        routine = store.routine(version.id) if version is not None else None
        scores = store.outcomes.akps_scores(client.id)
        history = store.history(client.id)
        path = write_report(history, routine, Path(args.output), today, akps_scores=scores)
    print(f"Wrote {client.name}'s progress report to {path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from kneekit.demo.clinic import RUNNERS, make_demo
    from kneekit.demo.trials import DEMO_TRIALS

    with open_store(args) as store:
        make_demo(store, config.today())
        histories = store.histories()
        where = store.path or store.source
    checkins = sum(len(h.checkins) for h in histories)
    sessions = sum(len(h.sessions) for h in histories)
    print(f"Demo clinic made in {where}:")
    print(f"  {len(histories)} clients, {checkins} check-ins, {sessions} stretch sessions.")
    for runner in RUNNERS:
        print(f"  {runner.name:10} {runner.pattern}")
    for name, ago, *_ in DEMO_TRIALS:
        print(f"  {name:10} a routine trial (A/B blocks) that started {ago} days ago")
    return 0


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add the record commands; returns the parsers that take ``--db``."""
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
            "check-in and per session (record = check-in or session); steps are in JSON only. "
            "FHIR is an R4B Bundle for other health systems."
        ),
    )
    export.add_argument("client", help="the client's name or number")
    export.add_argument("--format", choices=("csv", "json", "fhir"), required=True)
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
        "demo", help="make a demo clinic (8 clients, 12 weeks) in a new database"
    )
    demo.set_defaults(run=_demo)
    return [clients, add, checkin, export, report, demo]
