"""The ``kneekit`` command: routines, clients, check-ins, exports, reports and the dashboards.

Each area's subcommands live in a module of this package with an ``add_commands(commands)``
that returns the parsers taking ``--db``; :func:`build_parser` puts them together.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kneekit.cli import db, handout, hub, outcomes, records, review, routines, serve, trials
from kneekit.cli.common import db_option
from kneekit.errors import KneekitError

AREAS = (routines, records, outcomes, review, trials, handout, serve, db, hub)
"""The command modules, in the order their commands are listed in ``kneekit --help``."""


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
    from kneekit.bench import add_command as add_bench

    for area in AREAS:
        for p in area.add_commands(commands):
            db_option(p)
    add_bench(commands)
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
        sys.stdout = None
        return 0
