"""Version 2: each record's UTC offset (its local day), a check-in's request key, hand-entered
sessions; runs, trials, AKPS scores and the audit trail.

Revision ID: v2
Revises: v1

Version 1 kept only UTC, so where an existing record was made is unknown: the clinic's zone
(:func:`kneekit.config.clinic_zone`) at the record's time is the best guess, and right for a
clinic that records where it is. Offsets are set in one batched statement per table, so a large
clinic migrates in seconds. The new tables are written out as they are at version 2.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from kneekit.records.schema import ID, UTCDateTime

revision = "v2"
down_revision = "v1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, which SQLite does in place: batch mode would copy each table only because
    # Alembic cannot tell that text("0") is a constant default.
    for name in ("checkins", "sessions"):
        op.add_column(
            name,
            sa.Column("utc_offset_min", sa.Integer, nullable=False, server_default=sa.text("0")),
        )
    op.add_column("checkins", sa.Column("request_key", sa.String(64)))
    op.create_index("ix_checkins_request_key", "checkins", ["request_key"], unique=True)
    op.add_column(
        "sessions",
        sa.Column("entered_by_hand", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    _fill_offsets("checkins", "at")
    _fill_offsets("sessions", "started_at")
    _new_tables()


def _fill_offsets(name: str, at: str) -> None:
    """Each row's offset: the clinic zone's at the row's own time (summer and winter differ)."""
    from kneekit.config import clinic_zone

    zone = clinic_zone()
    table = sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column(at, UTCDateTime),
        sa.column("utc_offset_min", sa.Integer),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.id, table.c[at])).all()
    offsets = [{"row": r[0], "offset": _minutes_east(r[1].astimezone(zone).utcoffset())}
               for r in rows]  # fmt: skip
    if offsets:
        conn.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row"))
            .values(utc_offset_min=sa.bindparam("offset")),
            offsets,
        )


def _minutes_east(offset: timedelta | None) -> int:
    return 0 if offset is None else int(offset.total_seconds() // 60)


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True)


def _ref(column: str, table: str) -> sa.Column[int]:
    return sa.Column(column, ID, sa.ForeignKey(f"{table}.id"), nullable=False)


def _new_tables() -> None:
    op.create_table(
        "runs",
        _id(),
        _ref("client_id", "clients"),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("utc_offset_min", sa.Integer, nullable=False),
        sa.Column("km", sa.Float, nullable=False),
        sa.Column("minutes", sa.Float),
        sa.Column("elevation_gain_m", sa.Float),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64)),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_runs_client_started", "runs", ["client_id", "started_at"], unique=True)
    op.create_table(
        "trials",
        _id(),
        _ref("client_id", "clients"),
        _ref("a_version_id", "routine_versions"),
        _ref("b_version_id", "routine_versions"),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("pairs", sa.Integer, nullable=False),
        sa.Column("block_days", sa.Integer, nullable=False),
        sa.Column("washout_days", sa.Integer, nullable=False),
        sa.Column("run_in_days", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("knee", sa.String(10), nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("seed", sa.String(20), nullable=False),
        sa.Column("orders", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("stopped_on", sa.Date),
        sa.Column("stop_reason", sa.Text),
    )
    op.create_index("ix_trials_client", "trials", ["client_id"])
    op.create_table(
        "akps_scores",
        _id(),
        _ref("client_id", "clients"),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("utc_offset_min", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("instrument", sa.Text, nullable=False),
        sa.Column("instrument_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 100", "ck_akps_score"),
    )
    op.create_index("ix_akps_scores_client_at", "akps_scores", ["client_id", "at"])
    op.create_table(
        "audit",
        _id(),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("physio", sa.Text, nullable=False),
        _ref("client_id", "clients"),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=sa.text("''")),
    )
    op.create_index("ix_audit_client_at", "audit", ["client_id", "at"])
