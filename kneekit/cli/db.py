"""``kneekit db copy SRC DST`` (move a clinic between SQLite and PostgreSQL) and ``kneekit audit``
(who did what to which client's records)."""

from __future__ import annotations

import argparse
from typing import Any


def _copy(args: argparse.Namespace) -> int:
    from kneekit.records.copy import copy_clinic, counts
    from kneekit.records.store import Store

    with Store.open(args.source) as source, Store.open(args.target) as target:
        before = counts(source)
        copy_clinic(source, target)  # refuses, keeping nothing, if any count differs
        after = counts(target)
        print(f"Copied {source.source} to {target.source}:")
        print(f"  {'table':16} {'source':>9} {'copy':>9}")
        for name, rows in before.items():
            print(f"  {name:16} {rows:>9} {after[name]:>9}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from kneekit.records.store import Store

    with Store.open(args.db) as store:
        client = None if args.client is None else store.find_client(args.client)
        entries = store.audit.entries(None if client is None else client.id)
    if not entries:
        print("Nothing recorded yet" + ("" if client is None else f" for {client.name}") + ".")
        return 0
    print(f"{'When (UTC)':16}  {'Physio':12}  {'Client':20}  {'What':10}  Detail")
    for e in entries:
        print(f"{e.at:%Y-%m-%d %H:%M}  {e.physio:12}  {e.client:20}  {e.action:10}  {e.detail}")
    return 0


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    db = commands.add_parser("db", help="the clinic database itself: copy it to another database")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    copy = actions.add_parser(
        "copy",
        help="copy every record to a new, empty database (SQLite file or PostgreSQL URL)",
        description="Copy a whole clinic, e.g. from this laptop's SQLite file to the practice's "
        "PostgreSQL: kneekit db copy clinic.sqlite3 postgresql+psycopg://kneekit@dbhost/clinic. "
        "Ids are kept, so share links keep working; the destination must be empty.",
    )
    copy.add_argument("source", metavar="SRC", help="the database to copy from (file or URL)")
    copy.add_argument("target", metavar="DST", help="the new, empty database (file or URL)")
    copy.set_defaults(run=_copy)
    audit = commands.add_parser(
        "audit",
        help="who viewed, checked in, assigned, shared, revoked or exported whose records",
        description="The audit trail, oldest first: every physio's actions on client records. "
        "It can be read here but never changed through kneekit.",
    )
    audit.add_argument("client", nargs="?", help="only this client (name or number)")
    audit.set_defaults(run=_audit)
    return [audit]
