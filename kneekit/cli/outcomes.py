"""``kneekit akps|runs``: the knee questionnaire's score, and runs imported from watch files."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from kneekit.cli.common import open_store, when
from kneekit.errors import Problem


def _answers(raw: str) -> list[int | None]:
    """``5,3,,1`` -> [5, 3, None, 1]: an empty place is an item not answered (refused by name
    when scored); anything else that is not a whole number is refused here, quoting it."""
    from kneekit.outcomes.akps import QuestionnaireError

    out: list[int | None] = []
    for place, part in enumerate(raw.split(","), 1):
        text = part.strip()
        if not text:
            out.append(None)
        elif text.isdigit():
            out.append(int(text))
        else:
            raise QuestionnaireError(
                [
                    Problem(
                        "questionnaire",
                        "answers",
                        f"answer {place} is {text!r}; give each item's option number, "
                        "e.g. 1 for its first option.",
                    )
                ]
            )
    return out


def _at(raw: str | None, now: datetime) -> datetime:
    """``--at`` as typed, keeping the offset it names (a naive time is the clinic's local time),
    so the score's day is the day where it was filled in; without it, now in the clinic's zone."""
    from kneekit.config import clinic_zone

    zone = clinic_zone()
    if raw is None:
        return now.astimezone(zone)
    when(raw, now)  # refuses, in words, what is not a date and time
    moment = datetime.fromisoformat(raw.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _akps(args: argparse.Namespace) -> int:
    from kneekit.outcomes import akps

    instrument = akps.load(args.instrument)
    now = datetime.now(UTC)
    with open_store(args) as store:
        client = store.find_client(args.client)
        at = _at(args.at, now)
        result = akps.score(instrument, client.id, at, _answers(args.answers), now=now)
        store.outcomes.add_akps(result, now)
        history = store.outcomes.akps_scores(client.id)
    if args.json:
        print(json.dumps({"score": result.total, "at": result.at.isoformat()}))
    else:
        print(f"Saved for {client.name}: AKPS {result.total}/100 ({instrument.name}).")
        print(akps.latest_akps_words(history))
    return 0


def _runs_import(args: argparse.Namespace) -> int:
    from kneekit.config import clinic_zone
    from kneekit.runfiles import read_runs

    now = datetime.now(UTC)
    with open_store(args) as store:
        client = store.find_client(args.client)
        runs, ignored = read_runs(args.files, now=now, zone=clinic_zone())
        result = store.outcomes.import_runs(client.id, runs, now)
    print(f"{client.name}: {result.words()}")
    for run in result.saved:
        minutes = "" if run.minutes is None else f", {run.minutes:.0f} min"
        print(f"  {run.start:%Y-%m-%d %H:%M}  {run.km:6.2f} km{minutes}  ({run.source})")
    if ignored:
        print(f"  ({ignored} other file{'s' * (ignored != 1)} in the folder left alone.)")
    return 0


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add ``akps`` and ``runs import``; returns the parsers that take ``--db``."""
    akps = commands.add_parser(
        "akps",
        help="save a client's knee questionnaire (Kujala AKPS, 0-100, higher is better)",
        description=(
            "Score and save the Kujala anterior knee pain scale. Give one option number per "
            "item, in the questionnaire's order (1 = the item's first option; the shipped "
            "questionnaire lists each item's options from most to fewest points). Every item "
            "must be answered. A clinic's licensed wording can be used with --instrument; "
            "scores are compared only within one questionnaire file."
        ),
    )
    akps.add_argument("client", help="the client's name or number")
    akps.add_argument("--answers", required=True, metavar="N,N,...", help="13 option numbers")
    akps.add_argument("--at", metavar="WHEN", help="when it was filled in (default: now)")
    akps.add_argument("--json", action="store_true", help='print {"score": ..., "at": ...}')
    akps.add_argument("--instrument", metavar="FILE", help="your licensed questionnaire file")
    akps.set_defaults(run=_akps)
    runs = commands.add_parser("runs", help="import runs from watch or phone files (GPX, FIT)")
    actions = runs.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = actions.add_parser(
        "import",
        help="import GPX or FIT files, or folders of them",
        description=(
            "Read each run's start time, distance, duration and climb from GPX or FIT files "
            "(folders are searched). Runs already imported, from the same file or with the "
            "same start time, are skipped and counted. If any file cannot be used, each is "
            "named with the reason and nothing is saved."
        ),
    )
    imp.add_argument("client", help="the client's name or number")
    imp.add_argument("files", nargs="+", metavar="FILE", help="GPX/FIT files or folders")
    imp.set_defaults(run=_runs_import)
    return [akps, imp]
