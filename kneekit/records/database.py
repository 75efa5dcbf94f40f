"""Opening the clinic database (a file, or a database server's address) and running its
transactions.

Files are looked at before SQLite may touch them (:mod:`kneekit.records.sqlitefile`). Database
failures (disk full, busy, damaged) become StoreError in plain words; every write is a
transaction, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Self

from platformdirs import user_data_path
from sqlalchemy import URL, Connection, Engine, Table, create_engine, event, make_url, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import StaticPool

from kneekit.errors import Problem, StoreError
from kneekit.records import migrate
from kneekit.records import schema as s
from kneekit.records.failures import BUSY_TIMEOUT_S, plain
from kneekit.records.sqlitefile import check_sqlite_file, create_file, sqlite_engine, sqlite_events

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
            sqlite_events(engine)
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
        made = not path.exists() and create_file(path)
        found = check_sqlite_file(path)
        engine = sqlite_engine(path)
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


def is_row_id(value: object) -> bool:
    """Whether a value can be a row number at all: SQLite's are signed 64-bit integers."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _url(text: str) -> URL:
    try:
        return make_url(text)
    except (sa_exc.ArgumentError, ValueError) as exc:
        raise _bad_url(text.rsplit("@", 1)[-1], exc) from exc  # never echo a password


def _bad_url(shown: str, exc: Exception) -> StoreError:
    return StoreError([Problem(shown, "", f"this database address cannot be used ({exc}).")])


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


def _postgres_events(engine: Engine) -> None:
    """Lock waits (the write lock included) give up after the same time as SQLite's busy timeout,
    with the same plain message, instead of waiting for ever behind a stuck writer."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        autocommit = dbapi.autocommit
        dbapi.autocommit = True
        dbapi.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        dbapi.autocommit = autocommit
