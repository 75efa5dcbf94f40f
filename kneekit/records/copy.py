"""Moving a whole clinic between databases: SQLite to PostgreSQL (a practice outgrowing one
laptop) or back (a backup a physio can open anywhere).

Both ends are opened as kneekit stores first, so the source is checked and brought up to the
current schema and the destination made. Rows keep their ids (share links, exports and audit
entries name them), go over table by table in the order foreign keys need, in chunks of
:data:`CHUNK_ROWS` per statement, all in one transaction: a failed copy leaves the destination
empty. PostgreSQL's id sequences are then moved past the copied ids.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, text

from kneekit.records import schema as s
from kneekit.records.database import Database

CHUNK_ROWS = 5000
"""Rows read and written per round trip: large enough that a 10^6-row clinic takes a few
hundred round trips, small enough that a chunk's rows stay a few megabytes in memory."""

TABLES = [t for t in s.metadata.sorted_tables if t is not s.meta]
"""Every table but kneekit_meta (which each store writes for itself), parents before children."""


def counts(db: Database) -> dict[str, int]:
    """Rows in each table, by table name."""
    with db.read() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in TABLES}  # fmt: skip


def copy_clinic(source: Database, target: Database) -> dict[str, int]:
    """Copy every record from ``source`` into the empty ``target``; returns rows per table.

    Raises StoreError if ``target`` already holds records (a copy never mixes two clinics) or
    if the counts afterwards differ (then nothing was kept).
    """
    if any(counts(target).values()):
        raise target.problem(
            "",
            "this database already holds records, so nothing was copied into it. Copy into a "
            "new, empty database (a new file, or a new PostgreSQL database made with createdb).",
        )
    copied: dict[str, int] = {}
    with source.read() as src, target.write() as dst:
        for table in TABLES:
            copied[table.name] = 0
            rows = src.execute(select(table).order_by(*table.primary_key.columns))
            while chunk := rows.mappings().fetchmany(CHUNK_ROWS):
                dst.execute(table.insert(), [dict(r) for r in chunk])
                copied[table.name] += len(chunk)
        if dst.dialect.name == "postgresql":
            _move_sequences(dst)
        found = {
            t.name: int(dst.execute(select(func.count()).select_from(t)).scalar_one())
            for t in TABLES
        }
        if found != copied:  # raising here rolls the whole copy back
            raise target.problem("", f"the copy came out different ({found} != {copied}).")
    return copied


def _move_sequences(conn: Connection) -> None:
    """Set each id sequence past the largest copied id, so new rows do not collide."""
    for table in TABLES:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )
        )
