"""Version 1, the first released schema: clients, routine versions, assignments, sessions and
their steps, check-ins, share links.

Revision ID: v1
Revises: (none)

Databases made before kneekit used Alembic are stamped here when their kneekit_meta says version
1; a new database is made from the current tables and stamped at the head instead, so this runs
in full only in the tests that build the schema revision by revision. The tables are written out
as they were, not taken from :mod:`kneekit.records.schema`, which moves on with later versions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kneekit.records.schema import ID, UTCDateTime

revision = "v1"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True)


def _ref(column: str, table: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(column, ID, sa.ForeignKey(f"{table}.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "kneekit_meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "clients",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "routine_versions",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("routine", sa.Text, nullable=False),
        sa.Column("stretches", sa.Text, nullable=False),
        sa.Column("hold_s", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_routine_versions_name_number", "routine_versions", ["name", "number"],
                    unique=True)  # fmt: skip
    op.create_table(
        "assignments",
        _id(),
        _ref("client_id", "clients"),
        _ref("version_id", "routine_versions"),
        sa.Column("since", sa.Date, nullable=False),
    )
    op.create_index("ix_assignments_client_since", "assignments", ["client_id", "since"],
                    unique=True)  # fmt: skip
    op.create_table(
        "sessions",
        _id(),
        _ref("client_id", "clients"),
        _ref("version_id", "routine_versions", nullable=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("ended_at", UTCDateTime),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("planned_s", sa.Integer, nullable=False),
        sa.Column("held_s", sa.Float, nullable=False),
    )
    op.create_index("ix_sessions_client_started", "sessions", ["client_id", "started_at"])
    op.create_table(
        "session_steps",
        _id(),
        _ref("session_id", "sessions"),
        sa.Column("step_index", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("stretch", sa.Text, nullable=False),
        sa.Column("side", sa.String(5)),
        sa.Column("rep", sa.Integer, nullable=False),
        sa.Column("start_s", sa.Integer, nullable=False),
        sa.Column("planned_s", sa.Integer, nullable=False),
        sa.Column("held_s", sa.Float, nullable=False),
        sa.Column("skipped", sa.Boolean, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("ended_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_session_steps_session", "session_steps", ["session_id", "step_index"])
    op.create_table(
        "checkins",
        _id(),
        _ref("client_id", "clients"),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("context", sa.String(20), nullable=False),
        sa.Column("left_knee", sa.Integer, nullable=False),
        sa.Column("right_knee", sa.Integer, nullable=False),
        sa.Column("km", sa.Float),
        sa.Column("minutes", sa.Float),
        sa.Column("note", sa.Text, nullable=False),
        sa.CheckConstraint("left_knee BETWEEN 0 AND 10 AND right_knee BETWEEN 0 AND 10", "ck_nrs"),
        sa.CheckConstraint(
            "(km IS NULL OR km >= 0) AND (minutes IS NULL OR minutes >= 0)", "ck_run"
        ),
    )
    op.create_index("ix_checkins_client_at", "checkins", ["client_id", "at"])
    op.create_table(
        "shares",
        _id(),
        _ref("client_id", "clients"),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime),
        sa.Column("revoked_at", UTCDateTime),
    )
    op.bulk_insert(
        sa.table("kneekit_meta", sa.column("key", sa.String), sa.column("value", sa.Text)),
        [{"key": "application", "value": "kneekit"}, {"key": "schema_version", "value": "1"}],
    )
