"""What the ``kneekit`` commands share: opening the store, reading numbers and times as typed."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kneekit.config import clinic_zone
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


def database(args: argparse.Namespace) -> str:
    """The database the command works on: ``--db``, else the default (``$KNEEKIT_DB``, else the
    data folder), as :func:`kneekit.records.database.default_location` finds it."""
    from kneekit.records.database import default_location  # SQLAlchemy loads only when needed

    return str(args.db) if getattr(args, "db", None) else default_location()


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


def when(raw: str | None, now: datetime, what: str = "check-in") -> datetime:
    """``--at`` as typed: ISO 8601 with its offset (``2026-03-27T15:45-08:00``), or without one
    in the clinic's zone (:func:`kneekit.config.clinic_zone`); without ``--at``, ``now``."""
    if raw is None:
        return now
    try:
        at = datetime.fromisoformat(raw.strip())
        # A time without an offset is the clinic's local time (fold=0 on a DST change: the first).
        at = at if at.tzinfo is not None else at.replace(tzinfo=clinic_zone())
        at.astimezone(UTC)  # year 1 in a zone east of UTC has no UTC time: refused below
    except (ValueError, OverflowError):
        raise SorenessError(
            [
                Problem(
                    what,
                    "at",
                    f"{raw!r} is not a date and time; write e.g. 2026-03-01 18:30 or "
                    "2026-03-01T18:30-08:00.",
                )
            ]
        ) from None
    return at


def clinic_now() -> datetime:
    """Now, in the clinic's zone: what the commands record when no ``--at`` is given."""
    return datetime.now(clinic_zone())
