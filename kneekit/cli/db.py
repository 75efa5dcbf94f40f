"""``kneekit db copy SRC DST`` (move a clinic between SQLite and PostgreSQL), ``kneekit db upgrade``
(bring a database to this kneekit's schema) and ``kneekit audit`` (who did what to which client's
records)."""

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


def _upgrade(args: argparse.Namespace) -> int:
    """Open the database, which upgrades it, and say what that did.

    Opening from any command or page upgrades an older database too (in one transaction, under
    the write lock); this command does it on purpose, e.g. before a clinic's physios update, and
    reports it. It never makes a new file: a mistyped name is said so, not created.
    """
    from pathlib import Path

    from kneekit.errors import Problem, StoreError
    from kneekit.records import schema
    from kneekit.records.database import default_location
    from kneekit.records.store import Store

    where = args.db if args.db is not None else default_location()
    if "://" not in where and not Path(where).expanduser().exists():
        raise StoreError(
            [
                Problem(
                    where,
                    "",
                    "there is no database file here, so there is nothing to upgrade (nothing was "
                    "made). Check the name, or leave out --db to use your clinic database.",
                )
            ]
        )
    with Store.open(where) as store:
        opening, source = store.opening, store.source
    newest = schema.SCHEMA_VERSION
    if opening.done == "upgraded":
        print(
            f"Upgraded {source} from schema version {opening.before} to version {newest}. Every "
            "record was kept. kneekit versions older than this one can no longer open it."
        )
    elif opening.done == "stamped":
        print(
            f"{source} already had the newest schema (version {newest}); kneekit has now recorded "
            "that in it, so later upgrades know where it stands. No record was changed."
        )
    elif opening.done == "made":
        print(f"{source} was empty: made the clinic tables in it (schema version {newest}).")
    else:
        print(f"{source} is up to date (schema version {newest}); nothing was changed.")
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
    db = commands.add_parser(
        "db", help="the clinic database itself: upgrade it, or copy it to another database"
    )
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
    upgrade = actions.add_parser(
        "upgrade",
        help="bring the clinic database up to this kneekit's version, and say what was done",
        description="Upgrade the clinic database (--db, else $KNEEKIT_DB, else your data folder) "
        "to the schema this kneekit uses, keeping every record; a database that is already up "
        "to date is left as it is. Opening a database from any command or page does the same; "
        "run this to do it on purpose, e.g. before every physio of a clinic updates kneekit.",
    )
    upgrade.set_defaults(run=_upgrade)
    audit = commands.add_parser(
        "audit",
        help="who viewed, checked in, assigned, shared, revoked or exported whose records",
        description="The audit trail, oldest first: every physio's actions on client records. "
        "It can be read here but never changed through kneekit.",
    )
    audit.add_argument("client", nargs="?", help="only this client (name or number)")
    audit.set_defaults(run=_audit)
    return [audit, upgrade]
