"""The clinic database as an SQLite file: looked at before SQLite may touch it, made in one
step, and opened with the settings kneekit relies on.

Before SQLite may touch an existing file, kneekit looks at it read-only: a file that is not a
kneekit database, is newer than this code, is damaged or read-only is refused with a message and
left byte for byte as it was. :class:`kneekit.records.database.Database` opens files through here.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event

from kneekit.errors import Problem, StoreError
from kneekit.records import migrate
from kneekit.records import schema as s
from kneekit.records.failures import BUSY_TIMEOUT_S


def sqlite_engine(path: Path) -> Engine:
    """An engine on a file just made or already looked at (:func:`check_sqlite_file`): opening
    any other would let SQLite write to a file kneekit has not vetted."""
    engine = create_engine(
        URL.create("sqlite", database=str(path)), connect_args={"check_same_thread": False}
    )
    sqlite_events(engine)
    return engine


def create_file(path: Path) -> bool:
    """Make a new database under a temporary name, then link it into place in one step; whether
    this call's database is the one linked.

    Another process opening the same new path at that moment finds no file or a complete one,
    never an empty one (which kneekit refuses as not a database). If two make one at once, the
    first link wins and the other's copy is thrown away. Only the owner may read it (0600:
    health records; SQLite's -wal/-shm files follow the main file's mode).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
        os.close(handle)
    except OSError as exc:
        raise StoreError(
            [Problem(str(path), "", f"the database cannot be created here ({exc.strerror}).")]
        ) from exc
    engine = sqlite_engine(Path(name))
    try:
        with engine.connect() as conn, conn.begin():
            migrate.create(conn)
        engine.dispose()  # the last connection closing folds the WAL into the file
        os.link(name, path)
    except FileExistsError:
        return False  # another process made it first: use theirs
    except OSError as exc:
        raise StoreError(
            [Problem(str(path), "", f"the database cannot be created here ({exc.strerror}).")]
        ) from exc
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
    return True


SQLITE_HEADER = b"SQLite format 3\x00"


def check_sqlite_file(path: Path) -> s.Found | None:
    """Look at an existing file, without writing to it, before SQLite may touch it.

    Returns where its kneekit schema stands (None for an SQLite database with no tables);
    raises StoreError if it is empty, not SQLite, cut short, damaged, read-only, not kneekit's
    or newer than this code. The size check follows the header layout in
    https://www.sqlite.org/fileformat.html.
    """
    source = str(path)
    if path.is_dir():
        raise StoreError([Problem(source, "", "this is a folder; give the database file's name.")])
    try:
        stat = path.stat()
        with path.open("rb") as file:
            header = file.read(100)
    except OSError as exc:
        raise StoreError(
            [Problem(source, "", f"the database file cannot be read ({exc.strerror}).")]
        ) from exc
    if stat.st_size == 0:
        raise s.refuse(source, "the file is empty (0 bytes), so it holds no clinic records.")
    if not header.startswith(SQLITE_HEADER) or len(header) < 100:
        raise s.refuse(source, "this is not a kneekit database (it is not an SQLite database).")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    count_valid = header[24:28] == header[92:96]
    wal = path.with_name(path.name + "-wal")
    in_use = wal.exists()  # someone has it open, or it was not closed cleanly
    pending = in_use and wal.stat().st_size > 0  # a WAL may legitimately hold the file's tail
    short = count_valid and not pending and stat.st_size < pages * page_size
    if page_size < 512 or stat.st_size % page_size or short:
        raise _damaged(source, "it has been cut short")
    try:
        # Read-only: looking at a foreign or newer file must not change a byte of it. With no
        # WAL in use, "immutable" also keeps SQLite from leaving -wal/-shm files beside it.
        mode = "mode=ro" if in_use else "mode=ro&immutable=1"
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)) as raw:
            tables = [
                r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            rows = (
                dict(raw.execute(f"SELECT key, value FROM {s.meta.name}").fetchall())
                if (s.meta.name in tables)
                else {}
            )
            revisions = (
                [r[0] for r in raw.execute(f"SELECT version_num FROM {s.VERSION_TABLE}")]
                if s.VERSION_TABLE in tables
                else []
            )
    except sqlite3.DatabaseError as exc:
        raise _damaged(source, f"SQLite says: {exc}") from exc
    version = s.version_of(source, tables, rows, revisions)
    if not os.access(path, os.W_OK) or not stat.st_mode & 0o222:
        raise StoreError(
            [
                Problem(
                    source,
                    "",
                    "the database file is read-only, and kneekit needs to save records in it. "
                    "Make it writable (or copy it somewhere writable and use --db); the file "
                    "was not changed.",
                )
            ]
        )
    return version


def _damaged(source: str, why: str) -> StoreError:
    return StoreError(
        [
            Problem(
                source,
                "",
                f"the database file is damaged ({why}). kneekit did not change it; restore it "
                "from a backup, or choose another file with --db or KNEEKIT_DB.",
            )
        ]
    )


def sqlite_events(engine: Engine) -> None:
    """WAL, foreign keys on, and writes that take the write lock up front.

    pysqlite's own BEGIN is deferred: a transaction that reads and then writes can fail at once
    with "database is locked" when another writer got in between, without waiting the busy
    timeout. ``BEGIN IMMEDIATE`` waits for the lock first, so concurrent writers queue up.
    This follows SQLAlchemy's documented recipe for SQLite transactions.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # we issue BEGIN ourselves, below
        dbapi.execute("PRAGMA foreign_keys=ON")
        dbapi.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        # WAL lets readers and one writer work at once. Set only on files already checked to be
        # ours (see check_sqlite_file); stored in the file, so on a WAL file it changes nothing.
        dbapi.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed step survives a power cut too, not only a crashed kernel.
        dbapi.execute("PRAGMA synchronous=FULL")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("kneekit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
