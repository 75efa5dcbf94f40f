"""Making and upgrading the clinic database's schema with Alembic, inside kneekit's transaction.

Alembic is loaded only when a database needs upgrading: opening an up-to-date one
(every CLI call, every page) reads its revision with one query (see
:func:`kneekit.records.schema.found_version`) and stops there. Every function here runs on the
caller's connection and transaction, which on PostgreSQL holds kneekit's advisory write lock, so
a failed upgrade leaves the database as it was and two processes never migrate at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from sqlalchemy import Connection, Engine

from kneekit.errors import StoreError
from kneekit.records import schema as s

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPTS = "kneekit.records:migrations"
"""Where the revisions live, as a package resource: found in an installed wheel too."""


class Database(Protocol):
    """What a schema change needs of the open database (:class:`kneekit.records.database.Database`
    is one, and opening it calls :func:`prepare`): named here so the two modules do not import
    each other."""

    engine: Engine
    source: str

    def write(self) -> AbstractContextManager[Connection]: ...

    def guard(self) -> AbstractContextManager[None]: ...

    def problem(self, field: str, message: str) -> StoreError: ...


@dataclass(frozen=True)
class Opening:
    """What opening a database did to its schema; ``kneekit db upgrade`` says it in words."""

    done: Literal["nothing", "made", "stamped", "upgraded"]
    """Nothing (it was up to date), made (it was new), stamped (it was at the newest version but
    from before Alembic, which now records it) or upgraded (its schema was older)."""
    before: int | None
    """Its schema version when it was opened; None for a new database."""


def prepare(db: Database, found: s.Found | None, scripts: str = SCRIPTS) -> Opening | None:
    """Make the schema in a new database or bring an older one up to date, atomically; what was
    done, or None when ``found`` was up to date (the usual case: nothing here runs then)."""
    if found is not None and found.current:
        return None
    with _schema_change(db) as conn:
        # Read again under the write lock: another process may have just done it.
        now = s.found_version(conn, db.source)
        if now is None:
            create(conn)
            return Opening("made", None)
        if now.current:
            return Opening("nothing", now.version)
        upgrade(conn, now, scripts)
        return Opening("upgraded" if now.version < s.SCHEMA_VERSION else "stamped", now.version)


@contextmanager
def _schema_change(db: Database) -> Iterator[Connection]:
    """The write transaction a schema change runs in: on PostgreSQL under the advisory lock.

    On SQLite, foreign keys are off during it and checked before the commit: batch mode changes
    a table by copying it and dropping the old one, which with foreign keys on fails as soon as
    other rows point to it, and SQLite cannot switch them inside a transaction.
    """
    if db.engine.dialect.name != "sqlite":
        with db.write() as conn:
            yield conn
        return
    with db.guard(), db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("PRAGMA foreign_keys=OFF")  # before kneekit's own BEGIN (see database.py)
        try:
            conn.execution_options(kneekit_write=True)
            with conn.begin():
                yield conn
                if conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise db.problem(
                        "",
                        "upgrading the database would leave records pointing to records that "
                        "are not there, so it was not upgraded; nothing was changed. Please "
                        "report this, with the kneekit version.",
                    )
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def config(scripts: str = SCRIPTS, connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code (there is no alembic.ini) for ``connection``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", scripts)
    cfg.attributes["connection"] = connection
    return cfg


def create(conn: Connection) -> None:
    """Make the newest schema in an empty database, stamped at the newest revision.

    The stamp is written directly (see :data:`kneekit.records.schema.version_table`): through
    Alembic it costs its import, a second or more on a busy machine, and tens of milliseconds
    per database after that, for one row.
    """
    s.metadata.create_all(conn)
    s.version_table.create(conn)
    conn.execute(s.version_table.insert(), {"version_num": s.HEAD})
    conn.execute(
        s.meta.insert(),
        [
            {"key": "application", "value": s.APPLICATION},
            {"key": "schema_version", "value": str(s.SCHEMA_VERSION)},
        ],
    )


def upgrade(conn: Connection, found: s.Found, scripts: str = SCRIPTS) -> int:
    """Bring a database at ``found`` up to the newest revision in ``scripts``; its new version.

    A database from before Alembic is first stamped at the revision of its kneekit_meta
    version. kneekit_meta's ``schema_version`` then follows Alembic's, so that a kneekit from
    before Alembic refuses the upgraded database as newer instead of misreading it.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = config(scripts, conn)
    if not found.stamped:
        command.stamp(cfg, s.revision(found.version))
    command.upgrade(cfg, "head")
    now = MigrationContext.configure(conn).get_current_revision()
    version = s.version_number(now or "")
    if version is None:
        raise RuntimeError(f"the migrations ended at revision {now!r}, which is not v<number>")
    conn.execute(s.meta.update().where(s.meta.c.key == "schema_version").values(value=str(version)))
    return version


def differences(conn: Connection) -> list[object]:
    """What Alembic's autogenerate finds between the database and the tables in
    :mod:`kneekit.records.schema` (what ``alembic check`` reports); empty when they agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    opts = {"compare_type": True, "compare_server_default": True}
    context = MigrationContext.configure(conn, opts=opts)
    return list(compare_metadata(context, s.metadata))
