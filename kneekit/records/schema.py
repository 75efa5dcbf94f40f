"""The clinic database's tables, its schema version, and how an existing database's version is read.

The tables below always describe the *newest* schema: a new database is made from them directly
(and stamped at the newest Alembic revision), and an older one is brought up to date by the
Alembic revisions in :mod:`kneekit.records.migrations` (run by :mod:`kneekit.records.migrate`).
To change the schema: change the tables here, write revision ``v<N+1>`` there, and raise
``SCHEMA_VERSION`` to N+1. Tests then check that a freshly upgraded database and these tables do
not differ (Alembic's autogenerate comparison), and that the first-schema fixture migrates with
every row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    inspect,
    select,
    text,
)
from sqlalchemy.types import TypeEngine

from kneekit.errors import Problem, StoreError

APPLICATION = "kneekit"
SCHEMA_VERSION = 2
"""The schema this code reads and writes. Version 1 is the first released schema; version 2
keeps each record's UTC offset (its local day), a check-in's request key (a double Save stores
one check-in), hand-entered sessions, and adds the runs, trials, akps_scores and audit tables
(revision ``v2`` in :mod:`kneekit.records.migrations`)."""


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, always tz-aware UTC in Python, whatever the database stores.

    PostgreSQL gets a ``timestamptz``. SQLite has no time type, so there it is fixed-width ISO
    text with its offset (``2026-03-01 18:00:00.000000+00:00``): readable in any SQLite browser,
    sorting in time order, and parsed back in one step (which matters at a million rows).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(String(32) if dialect.name == "sqlite" else self.impl)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.isoformat(" ", "microseconds") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value) if isinstance(value, str) else value.astimezone(UTC)


ID = BigInteger().with_variant(Integer(), "sqlite")
"""Row ids: 64-bit everywhere. PostgreSQL's ``integer`` stops at 2**31 - 1; ``bigint`` matches
SQLite, where an ``INTEGER PRIMARY KEY`` is the 64-bit rowid (kept as such, so that SQLite files
look as they always have)."""

metadata = MetaData()

meta = Table(
    "kneekit_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
clients = Table(
    "clients",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", Text, nullable=False),
    # The name folded for comparison: "anna  k." and "Anna K." are the same person to a physio.
    Column("name_key", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)
routine_versions = Table(
    "routine_versions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("number", Integer, nullable=False),
    Column("routine", Text, nullable=False),  # the routine file, Routine.to_yaml()
    Column("stretches", Text, nullable=False),  # catalogue entries of the stretches it uses
    Column("hold_s", Integer, nullable=False),  # seconds of holds planned in one session
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_routine_versions_name_number", "name", "number", unique=True),
)
assignments = Table(
    "assignments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False),
    Column("version_id", ID, ForeignKey("routine_versions.id"), nullable=False),
    Column("since", Date, nullable=False),
    Index("ix_assignments_client_since", "client_id", "since", unique=True),
)
sessions = Table(
    "sessions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False),
    Column("version_id", ID, ForeignKey("routine_versions.id")),  # None: built-in routine
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("completed", Boolean, nullable=False, default=False),
    Column("planned_s", Integer, nullable=False),
    Column("held_s", Float, nullable=False, default=0.0),  # kept up to date by each saved step
    # v2: as for check-ins; and whether a physio entered it by hand (done away from the player).
    Column("utc_offset_min", Integer, nullable=False, server_default=text("0")),
    Column("entered_by_hand", Boolean, nullable=False, server_default=text("false")),
    Index("ix_sessions_client_started", "client_id", "started_at"),
)
session_steps = Table(
    "session_steps",
    metadata,
    Column("id", ID, primary_key=True),
    Column("session_id", ID, ForeignKey("sessions.id"), nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("stretch", Text, nullable=False),
    Column("side", String(5)),
    Column("rep", Integer, nullable=False),
    Column("start_s", Integer, nullable=False),
    Column("planned_s", Integer, nullable=False),
    Column("held_s", Float, nullable=False),
    Column("skipped", Boolean, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=False),
    Index("ix_session_steps_session", "session_id", "step_index"),
)
checkins = Table(
    "checkins",
    metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("context", String(20), nullable=False),
    Column("left_knee", Integer, nullable=False),
    Column("right_knee", Integer, nullable=False),
    Column("km", Float),
    Column("minutes", Float),
    Column("note", Text, nullable=False, default=""),
    # v2: minutes east of UTC where the check-in was made, so its day is the local day there.
    Column("utc_offset_min", Integer, nullable=False, server_default=text("0")),
    # v2: a key the page sends with each Save; the same key twice stores one check-in.
    Column("request_key", String(64)),
    # The last line of defence; the store validates first and says what is wrong in words.
    CheckConstraint("left_knee BETWEEN 0 AND 10 AND right_knee BETWEEN 0 AND 10", "ck_nrs"),
    CheckConstraint("(km IS NULL OR km >= 0) AND (minutes IS NULL OR minutes >= 0)", "ck_run"),
    Index("ix_checkins_client_at", "client_id", "at"),
    Index("ix_checkins_request_key", "request_key", unique=True),
)
shares = Table(
    "shares",
    metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex; never the token
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

runs = Table(
    "runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("utc_offset_min", Integer, nullable=False),
    Column("km", Float, nullable=False),
    Column("minutes", Float),
    Column("elevation_gain_m", Float),
    Column("source", Text, nullable=False),  # the file's name, as imported
    Column("file_sha256", String(64)),  # the same file imported twice is skipped
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_runs_client_started", "client_id", "started_at", unique=True),
)

trials = Table(
    "trials",
    metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False),
    Column("a_version_id", ID, ForeignKey("routine_versions.id"), nullable=False),
    Column("b_version_id", ID, ForeignKey("routine_versions.id"), nullable=False),
    Column("start", Date, nullable=False),
    Column("pairs", Integer, nullable=False),
    Column("block_days", Integer, nullable=False),
    Column("washout_days", Integer, nullable=False),
    Column("run_in_days", Integer, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("knee", String(10), nullable=False),
    Column("threshold", Float, nullable=False),  # set before the start; never updated
    Column("seed", String(20), nullable=False),  # text: a 63-bit seed exceeds some INTEGERs
    Column("orders", Text, nullable=False),  # "AB,BA,...": drawn from the seed, kept to audit
    Column("created_at", UTCDateTime, nullable=False),
    Column("stopped_on", Date),  # the only columns a started trial may change
    Column("stop_reason", Text),
    Index("ix_trials_client", "client_id"),
)
"""Routine trials (issue #16): one row per plan. The plan columns are written once; a started
trial can only be stopped early (``stopped_on``, ``stop_reason``)."""


akps_scores = Table(
    "akps_scores",
    metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("utc_offset_min", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("answers", Text, nullable=False),  # option numbers from 1, comma-separated
    # Scores are compared only within one instrument file: its name, and its sha256.
    Column("instrument", Text, nullable=False),
    Column("instrument_sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("score BETWEEN 0 AND 100", "ck_akps_score"),
    Index("ix_akps_scores_client_at", "client_id", "at"),
)


audit = Table(
    "audit",
    metadata,
    Column("id", ID, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("physio", Text, nullable=False),  # who: the hub user, or "clinic" on kneekit serve
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False),
    Column("action", String(20), nullable=False),  # viewed, checked in, assigned, shared, ...
    Column("detail", Text, nullable=False, server_default=text("''")),
    Index("ix_audit_client_at", "client_id", "at"),
)
"""Who did what to which client's record, and when: written by the store in the same
transaction as the action itself; kneekit has no way to change or delete an entry."""


VERSION_TABLE = "alembic_version"
version_table = Table(
    VERSION_TABLE,
    MetaData(),  # not the clinic's tables: copies and the drift check leave it out
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
)
"""Where Alembic records the revision a database is at, in the shape Alembic makes it (its
documented contract is a table of that name with a string column ``version_num``). kneekit
writes it itself when it makes a new database, so that making one (each new clinic, each test)
does not load Alembic; a test checks that Alembic reads it back."""


def revision(version: int) -> str:
    """The Alembic revision id of schema ``version``: ``v1``, ``v2``, ... (one revision per
    version, so an id says plainly which schema a database holds)."""
    return f"v{version}"


HEAD = revision(SCHEMA_VERSION)
"""The newest revision: a database stamped here needs nothing done when it is opened. Kept as a
constant so that opening an up-to-date database never loads Alembic (a test checks it is the
head of the revisions in :mod:`kneekit.records.migrations`)."""


def version_number(rev: str) -> int | None:
    """The schema version of a revision id kneekit writes (``v2`` -> 2); None for another id."""
    match = re.fullmatch(r"v([1-9][0-9]*)", rev)
    return int(match[1]) if match else None


@dataclass(frozen=True)
class Found:
    """Where an existing kneekit database stands."""

    version: int
    """Its schema version."""
    stamped: bool
    """Whether Alembic's version table records it: databases made before kneekit used Alembic
    keep only ``kneekit_meta``'s number, and are stamped at that revision before upgrading."""

    @property
    def current(self) -> bool:
        """Up to date: opening it writes nothing."""
        return self.version == SCHEMA_VERSION and self.stamped


def found_version(conn: Connection, source: str) -> Found | None:
    """Where the database behind ``conn`` stands; None if it has no tables at all.

    Raises StoreError, in words a physio can act on, if the database belongs to something else
    or was written by a newer kneekit.
    """
    tables = inspect(conn).get_table_names()
    rows = (
        {r[0]: r[1] for r in conn.execute(select(meta.c.key, meta.c.value))}
        if meta.name in tables
        else {}
    )
    revisions = (
        list(conn.execute(select(version_table.c.version_num)).scalars())
        if VERSION_TABLE in tables
        else []
    )
    return version_of(source, tables, rows, revisions)


def version_of(
    source: str, tables: list[str], rows: Mapping[str, str], revisions: Sequence[str] = ()
) -> Found | None:
    """Where a database stands given its table names, kneekit_meta rows and Alembic revisions.

    None for a database with no tables (a new one); StoreError if it is another program's or
    newer than this code. Alembic's revision is the truth where there is one; kneekit_meta's
    ``schema_version`` is kept equal to it, so that a kneekit from before Alembic still refuses
    a newer database in words instead of misreading it.
    """
    if not tables:
        return None
    if meta.name not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise refuse(source, f"this is not a kneekit database (it holds other tables: {shown}).")
    version = str(rows.get("schema_version", ""))
    if rows.get("application") != APPLICATION or not version.isdigit():
        raise refuse(source, "this is not a kneekit database (its kneekit_meta table is foreign).")
    found = int(version)
    if found > SCHEMA_VERSION:
        raise _newer(source, f"schema version {found}")
    if not revisions:
        return Found(found, stamped=False)
    numbers = [version_number(r) for r in revisions]
    known = [n for n in numbers if n is not None and n <= SCHEMA_VERSION]
    if len(known) != 1 or len(revisions) != 1:
        raise _newer(source, f"schema revision {', '.join(revisions)}")
    return Found(known[0], stamped=True)


def _newer(source: str, what: str) -> StoreError:
    return StoreError(
        [
            Problem(
                source,
                "",
                f"this database was written by a newer kneekit ({what}; this kneekit reads up to "
                f"version {SCHEMA_VERSION}). Update kneekit to open it; the file was not changed.",
            )
        ]
    )


def refuse(source: str, message: str) -> StoreError:
    """The refusal of a file that kneekit must not use, saying it was left alone."""
    return StoreError(
        [
            Problem(
                source,
                "",
                message + " The file was not changed; choose another file with --db or KNEEKIT_DB.",
            )
        ]
    )
