"""Making and upgrading the clinic database's schema with Alembic, inside kneekit's transaction.

Alembic is loaded only when a database needs upgrading: opening an up-to-date one
(every CLI call, every page) reads its revision with one query (see
:func:`kneekit.records.schema.found_version`) and stops there. Every function here runs on the
caller's connection and transaction, which on PostgreSQL holds kneekit's advisory write lock, so
a failed upgrade leaves the database as it was and two processes never migrate at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from kneekit.records import schema as s

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPTS = "kneekit.records:migrations"
"""Where the revisions live, as a package resource: found in an installed wheel too."""


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
