"""What the ``kneekit`` commands share: opening the store, reading numbers and times as typed."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kneekit.errors import Problem, SorenessError

if TYPE_CHECKING:
    from kneekit.records.store import Store


def db_option(p: argparse.ArgumentParser) -> None:
    """``--db`` on a subcommand, so that ``kneekit --db X clients`` and ``kneekit clients --db X``
    both work."""
    p.add_argument(
        "--db",
        default=argparse.SUPPRESS,  # so that `kneekit --db X clients` is kept too
        metavar="PATH",
        help="the clinic database file (default: $KNEEKIT_DB, else your data folder)",
    )


def catalogue_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--catalogue",
        action="append",
        default=[],
        metavar="FILE",
        help="your own stretch catalogue file (adds or replaces stretches); may repeat",
    )


def open_store(args: argparse.Namespace) -> Store:
    from kneekit.records.store import Store  # SQLAlchemy loads only for the commands that need it

    return Store.open(args.db)


def typed(raw: str | None) -> object:
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


def when(raw: str | None, now: datetime) -> datetime:
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
