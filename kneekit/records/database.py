"""Opening the clinic database safely, and running its transactions.

Before SQLite may touch an existing file, kneekit looks at it read-only: a file that is not a
kneekit database, is newer than this code, is damaged or read-only is refused with a message and
left byte for byte as it was. Database failures (disk full, busy, damaged) become StoreError in
plain words; every write is a transaction, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Self

from platformdirs import user_data_path
from sqlalchemy import (
    URL,
    Connection,
    Engine,
    Table,
    create_engine,
    event,
    make_url,
    select,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import StaticPool

from kneekit.errors import Problem, StoreError
from kneekit.records import migrate
from kneekit.records import schema as s
from kneekit.records.failures import BUSY_TIMEOUT_S, plain

WRITE_LOCK = 0x6B6E65656B6974  # "kneekit" in ASCII
"""The PostgreSQL advisory lock every kneekit write transaction takes first.

SQLite serialises writers (``BEGIN IMMEDIATE``); PostgreSQL at READ COMMITTED does not, so code
that reads then writes (the next version number, "is this name taken?", schema creation) could
interleave. ``pg_advisory_xact_lock`` gives PostgreSQL the same one-writer-at-a-time order,
released by the commit or rollback itself. Reads never wait for it. Measured against unique
constraints plus a retry in the README's Performance section.
"""


def default_db_path() -> Path:
    """Where the clinic database lives unless told otherwise: ``$KNEEKIT_DB``, else the user's
    data folder (platformdirs), so that it survives reinstalls and is not inside a clone."""
    env = os.environ.get("KNEEKIT_DB", "").strip()
    return Path(env).expanduser() if env else user_data_path("kneekit") / "clinic.sqlite3"


def default_location() -> str:
    """The database used when none is named: ``$KNEEKIT_DB`` as given when it is a database URL,
    else :func:`default_db_path`. Opening and serving both start from here, so they agree."""
    env = os.environ.get("KNEEKIT_DB", "").strip()
    return env if "://" in env else str(default_db_path())


class Database:
    """A connection to the clinic database; :class:`~kneekit.records.store.Store` adds records."""

    def __init__(self, engine: Engine, path: Path | None, source: str) -> None:
        self.engine = engine
        self.path = path
        self.source = source
        self._batch: Connection | None = None
        self.opening = migrate.Opening("nothing", s.SCHEMA_VERSION)

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | None = None) -> Self:
        """Open (creating or upgrading if needed) the clinic database.

        Parameters
        ----------
        path : str or Path, optional
            A file, or an SQLAlchemy URL such as ``postgresql+psycopg://...``. Without it:
            ``$KNEEKIT_DB``, else :func:`default_db_path`.

        Raises
        ------
        StoreError
            The file is not a kneekit database, is newer than this code, damaged, read-only or
            cannot be created. Such a file is left exactly as it was.
        """
        if path is None:
            path = default_location()
        if isinstance(path, str) and "://" in path:
            url = _url(path)
            if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
                return cls._open_url(url)
            path = str(url.database)  # an SQLite file after all: check it like one
        return cls._open_file(Path(path).expanduser())

    @classmethod
    def _open_url(cls, url: URL) -> Self:
        memory = url.get_backend_name() == "sqlite"  # the only SQLite URLs left are in memory
        try:
            # In memory, one shared connection: each new one would see its own empty database.
            # A server's pooled connections are checked before use (pre-ping), so the first call
            # after the server restarted reconnects instead of failing.
            engine = (
                create_engine(url, poolclass=StaticPool)
                if memory
                else create_engine(url, pool_pre_ping=True)
            )
        except ImportError as exc:
            shown = url.render_as_string(hide_password=True)
            raise StoreError(
                [
                    Problem(
                        shown,
                        "",
                        f"the driver for this database is not installed ({exc.name}). For "
                        "PostgreSQL: pip install 'kneekit[postgres]'.",
                    )
                ]
            ) from exc
        except sa_exc.ArgumentError as exc:
            raise _bad_url(url.render_as_string(hide_password=True), exc) from exc
        if memory:
            _sqlite_events(engine)
        elif engine.dialect.name == "postgresql":
            _postgres_events(engine)
        store = cls(engine, None, url.render_as_string(hide_password=True))
        try:
            with store.read() as conn:
                found = s.found_version(conn, store.source)
            store.prepare(found)
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def _open_file(cls, path: Path) -> Self:
        made = not path.exists() and _create_file(path)
        found = check_sqlite_file(path)
        engine = _sqlite_engine(path)
        store = cls(engine, path, str(path))
        try:
            store.prepare(found)
        except BaseException:
            engine.dispose()
            raise
        if made:
            store.opening = migrate.Opening("made", None)
        return store

    def prepare(self, found: s.Found | None, scripts: str = migrate.SCRIPTS) -> None:
        """Make the schema in a new database or bring an older one up to date, atomically
        (:func:`kneekit.records.migrate.prepare`); :attr:`opening` says what was done."""
        done = migrate.prepare(self, found, scripts)
        if done is not None:
            self.opening = done

    def close(self) -> None:
        """Release the database; the store cannot be used afterwards."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn database failures into StoreError in plain words; nothing half-written stays."""
        try:
            yield
        except sa_exc.DBAPIError as exc:
            raise StoreError([Problem(self.source, "", plain(exc))]) from exc

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self._batch is not None:
            yield self._batch
            return
        with self.guard(), self.engine.connect() as conn:
            conn.execution_options(kneekit_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        if self._batch is not None:
            yield self._batch
            return
        with self.guard(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def batch(self) -> Iterator[Self]:
        """Make every write inside the ``with`` block one transaction: all of it or none.

        For bulk loads such as the demo clinic (thousands of steps in one commit instead of one
        each). Not for interactive use: other writers wait until the block ends.
        """
        with self.write() as conn:
            self._batch = conn
            try:
                yield self
            finally:
                self._batch = None

    def problem(self, field: str, message: str) -> StoreError:
        return StoreError([Problem(self.source, field, message)])

    def insert(self, conn: Connection, table: Table, row: dict[str, Any]) -> int:
        """Insert one row and return its id (RETURNING works on SQLite and PostgreSQL alike)."""
        # Values go as parameters, not into the statement, so its compiled form is reused.
        return int(conn.execute(table.insert().returning(table.c.id), row).scalar_one())

    def require(self, conn: Connection, table: Table, row_id: object, what: str) -> None:
        """Refuse, in words, a reference to a row that does not exist."""
        if (
            not is_row_id(row_id)
            or conn.execute(select(table.c.id).where(table.c.id == row_id)).first() is None
        ):
            raise self.problem(what, f"there is no {what} number {row_id!r}.")


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(path)), connect_args={"check_same_thread": False}
    )
    _sqlite_events(engine)
    return engine


def _create_file(path: Path) -> bool:
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
    engine = _sqlite_engine(Path(name))
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


def is_row_id(value: object) -> bool:
    """Whether a value can be a row number at all: SQLite's are signed 64-bit integers."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


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


def _url(text: str) -> URL:
    try:
        return make_url(text)
    except (sa_exc.ArgumentError, ValueError) as exc:
        raise _bad_url(text.rsplit("@", 1)[-1], exc) from exc  # never echo a password


def _bad_url(shown: str, exc: Exception) -> StoreError:
    return StoreError([Problem(shown, "", f"this database address cannot be used ({exc}).")])


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


def offset_min(value: datetime) -> int:
    """Minutes east of UTC of an aware time: kept beside each record so its day is local."""
    offset = value.utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


def local(value: datetime, minutes_east: int) -> datetime:
    """A stored UTC time back in the offset where it was recorded."""
    return value.astimezone(timezone(timedelta(minutes=minutes_east)))


def aware(value: datetime, field: str, source: str) -> datetime:
    """``value`` in UTC; refuses a naive time, whose meaning depends on the machine's zone."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise StoreError([Problem(source, field, "a time must include its time zone.")])
    return value.astimezone(UTC)


def _sqlite_events(engine: Engine) -> None:
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


def _postgres_events(engine: Engine) -> None:
    """Lock waits (the write lock included) give up after the same time as SQLite's busy timeout,
    with the same plain message, instead of waiting for ever behind a stuck writer."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        autocommit = dbapi.autocommit
        dbapi.autocommit = True
        dbapi.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        dbapi.autocommit = autocommit
