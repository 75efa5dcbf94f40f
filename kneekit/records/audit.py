"""The audit trail: which physio viewed, checked in, assigned, shared, revoked or exported
which client's records, and when.

Entries are written by the store inside the transaction of the action they record (an action
that fails leaves no entry; an entry never lacks its action) and only ever added: kneekit has no
call that changes or deletes one. Who is the physio: ``$KNEEKIT_PHYSIO``, else the JupyterHub
user the server runs for (``$JUPYTERHUB_USER``), else "clinic" (one physio's ``kneekit serve``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from kneekit.records import schema as s
from kneekit.records.database import Database

ACTIONS = ("viewed", "checked in", "assigned", "shared", "revoked", "exported")


def current_physio() -> str:
    """Who is acting: ``$KNEEKIT_PHYSIO``, else ``$JUPYTERHUB_USER``, else "clinic"."""
    for name in ("KNEEKIT_PHYSIO", "JUPYTERHUB_USER"):
        if value := os.environ.get(name, "").strip():
            return value
    return "clinic"


@dataclass(frozen=True)
class Entry:
    """One line of the audit trail."""

    at: datetime
    physio: str
    client_id: int
    client: str
    action: str
    detail: str


def _system_clock() -> datetime:
    return datetime.now(UTC)


class Audit:
    """The audit trail of a store: ``store.audit``. ``clock`` gives the time of each entry
    (tests set a manual one); ``physio`` who is acting."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = _system_clock) -> None:
        self._db = db
        self.clock = clock
        self.physio = current_physio()

    def record(self, conn: Connection, client_id: int, action: str, detail: str = "") -> None:
        """Add an entry inside the caller's write transaction."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")  # a bug, not user input
        conn.execute(
            s.audit.insert().values(
                at=self.clock(),
                physio=self.physio,
                client_id=client_id,
                action=action,
                detail=detail,
            )
        )

    def note(self, client_id: int, action: str, detail: str = "") -> None:
        """Add an entry in a transaction of its own (for reads: viewed, exported)."""
        with self._db.write() as conn:
            self._db.require(conn, s.clients, client_id, "client")
            self.record(conn, client_id, action, detail)

    def entries(self, client_id: int | None = None) -> list[Entry]:
        """The trail, oldest first; one client's if ``client_id`` is given."""
        a, c = s.audit.c, s.clients.c
        query = select(a.at, a.physio, a.client_id, c.name, a.action, a.detail).join_from(
            s.audit, s.clients
        )
        if client_id is not None:
            query = query.where(a.client_id == client_id)
        with self._db.read() as conn:
            return [Entry(*r) for r in conn.execute(query.order_by(a.at, a.id))]
