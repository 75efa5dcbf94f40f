"""Alembic's entry point: run the revisions on the connection kneekit passes in.

kneekit opens the connection, begins the transaction and (on PostgreSQL) takes the advisory write
lock before calling Alembic, so a stamp and every revision of an upgrade commit together or not
at all, and two processes never migrate at once. Nothing here reads a URL or a logging file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from kneekit.records.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection) or context.is_offline_mode():
    raise RuntimeError("kneekit's migrations run on a connection: use kneekit.records.migrate")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
context.run_migrations()
