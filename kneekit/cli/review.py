"""``kneekit review`` (who needs attention) and ``kneekit session add`` (a session on paper)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from kneekit import config
from kneekit.cli.common import clinic_now, open_store, when
from kneekit.errors import KneekitError, Problem
from kneekit.progress.overview import clinic_overview
from kneekit.progress.review import ClientReview, attention_first
from kneekit.routines.routine import BUILT_IN


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write e.g. 2026-03-30") from None


def _words(r: ClientReview) -> list[str]:
    """One client's review as lines for a terminal."""
    per_week = r.sessions_per_week
    lines = [
        f"{r.name}" + (f"  ({len(r.flags)} flag{'s' * (len(r.flags) != 1)})" if r.flags else ""),
        f"  Routine: {r.routine or BUILT_IN}",
    ]
    for knee, state in r.knees.items():
        mean = (
            "no ratings in the last 7 days"
            if state.mean7 is None
            else (f"{state.mean7:.1f} on average over the last 7 days ({state.zone} zone)")
        )
        verdict = state.verdict or "not enough data yet"
        lines.append(f"  {knee.capitalize()} knee: {mean}; since the first two weeks: {verdict}")
    lines.append(f"  Stretching after runs, {r.adherence}")
    if per_week is not None:
        lines.append(f"  Stretch sessions: {per_week:.1f} a week")
    lines += [f"  {what}" for what in (r.trial, r.akps) if what]
    lines += [f"  ! {flag.title}: {flag.detail} [{flag.source}]" for flag in r.flags]
    return lines


def _review(args: argparse.Namespace) -> int:
    today = args.today or config.today()
    with open_store(args) as store:
        reviews = clinic_overview(store, today)
        if args.client is not None:
            client = store.find_client(args.client)
            reviews = [r for r in reviews if r.client_id == client.id]
    ordered = attention_first(reviews)
    if args.json:
        print(json.dumps({"today": today.isoformat(), "clients": [r.as_dict() for r in ordered]}))
        return 0
    if not ordered:
        print("No clients yet. Add one with: kneekit client add NAME")
        return 0
    flagged = sum(bool(r.flags) for r in ordered)
    print(f"Review for {today:%a %d %b %Y}: {flagged} of {len(ordered)} clients worth a look.")
    print("Flags are prompts to look, not diagnoses.\n")
    print("\n\n".join("\n".join(_words(r)) for r in ordered))
    return 0


def _session_add(args: argparse.Namespace) -> int:
    now = clinic_now()
    at = when(args.at, now, "session")
    if at > now:
        raise KneekitError(
            [
                Problem(
                    "session",
                    "at",
                    f"{at:%Y-%m-%d %H:%M} is in the future; enter when it was done.",
                )
            ]
        )
    with open_store(args) as store:
        client = store.find_client(args.client)
        version, routine = store.routine_on(client.id, config.today(at))
        store.sessions.add_by_hand(client.id, version.id if version else None, routine, at)
    label = version.label if version is not None else BUILT_IN
    print(
        f"Saved for {client.name}: a session of {label} on {at:%Y-%m-%d %H:%M}, entered by hand "
        "(completed, holds as planned)."
    )
    return 0


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add ``review`` and ``session add``; returns their parsers (both take ``--db``)."""
    review = commands.add_parser(
        "review",
        help="who needs attention: flags, knees, adherence and routine, flagged clients first",
        description="Every client (or one), clients with flags first, each with their flags, "
        "each knee's 7-day mean and zone and change since the first two weeks, stretching after "
        "runs over the last 4 weeks, sessions a week and the routine in use.",
    )
    review.add_argument("client", nargs="?", help="one client's name or number (default: all)")
    review.add_argument(
        "--today", type=_day, metavar="YYYY-MM-DD", help="review as of this day (default: today)"
    )
    review.add_argument("--json", action="store_true", help="print one JSON object")
    review.set_defaults(run=_review)
    session = commands.add_parser("session", help="record a stretch session done away from kneekit")
    actions = session.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="record that a client did their current routine (e.g. from their paper log)",
        description="Record the client's current routine as done: completed, holds as planned, "
        "marked as entered by hand.",
    )
    add.add_argument("client", help="the client's name or number (see: kneekit clients)")
    add.add_argument(
        "--at",
        metavar="WHEN",
        help="when it was done, e.g. '2026-03-01 18:30' or 2026-03-01T18:30-08:00 (default: now)",
    )
    add.set_defaults(run=_session_add)
    return [review, add]
