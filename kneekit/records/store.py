"""The clinic database: clients, routine versions, assignments, sessions, check-ins, share links.

SQLite through SQLAlchemy Core (so that a PostgreSQL URL can later work too). Every write is one
short transaction committed before the method returns: a crash loses nothing already saved, and
bad input raises StoreError (or SorenessError) with nothing written.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, Engine, select

from kneekit.history import Client, History
from kneekit.outcomes.checkin import CheckIn
from kneekit.records import reading
from kneekit.records import schema as s
from kneekit.records.audit import Audit
from kneekit.records.database import Database, aware, default_db_path, is_row_id, offset_min
from kneekit.records.outcomes import Outcomes
from kneekit.records.reading import VersionInfo, version_label
from kneekit.records.sessions import SavedStep, SessionLog
from kneekit.records.shares import ShareLinks, token_hash
from kneekit.records.trials import TrialRecords
from kneekit.routines.catalogue import parse_catalogue
from kneekit.routines.routine import Assignment, Routine, default_routine, parse_routine

__all__ = [
    "Client",
    "SavedStep",
    "Store",
    "VersionInfo",
    "default_db_path",
    "name_key",
    "token_hash",
]

REQUEST_KEY_MAX_CHARS = 64
"""A Save's key is a UUID (36 characters) or similar; the column holds 64."""
NAME_MAX_CHARS = 100
"""Room for a full name with initials; longer is almost certainly pasted by mistake."""


def name_key(name: str) -> str:
    """A client name folded for comparing: case and runs of spaces do not make a new person."""
    return " ".join(name.split()).casefold()


def _catalogue_text(routine: Routine) -> str:
    """Catalogue entries of the stretches ``routine`` uses, so the version reads back exactly
    as it was saved even if the catalogue changes or was the physio's own file."""
    data = {
        p.stretch.id: {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in asdict(p.stretch).items()
            if k != "id"
        }
        for p in routine.prescriptions
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


class Store(Database):
    """The clinic records. Open with :meth:`Store.open` (see :class:`Database`); use it as a
    context manager so that it is closed.

    Guided sessions are in ``store.sessions`` (:class:`SessionLog`) and share links in
    ``store.shares`` (:class:`ShareLinks`): parts that share this store's connection. Histories
    and check-ins are read back by :mod:`kneekit.records.reading`.
    """

    def __init__(self, engine: Engine, path: Path | None, source: str) -> None:
        super().__init__(engine, path, source)
        self.audit = Audit(self)  # who did what to which client's record
        self.sessions = SessionLog(self)
        self.shares = ShareLinks(self, self.audit)
        self.trials = TrialRecords(self)
        self.outcomes = Outcomes(self)

    # -- clients ------------------------------------------------------------------------------
    def add_client(self, name: str, now: datetime) -> Client:
        """Add a client; refuses an empty, overlong or duplicate name."""
        clean = " ".join(name.split()) if isinstance(name, str) else ""
        if not clean:
            raise self.problem("name", "the client's name is empty; type a name, e.g. 'Anna K.'.")
        if len(clean) > NAME_MAX_CHARS or not clean.isprintable():
            raise self.problem(
                "name", f"the name must be printable text of at most {NAME_MAX_CHARS} characters."
            )
        created = aware(now, "now", self.source)
        with self.write() as conn:
            same = conn.execute(
                select(s.clients.c.id, s.clients.c.name).where(
                    s.clients.c.name_key == name_key(clean)
                )
            ).first()
            if same is not None:
                raise self.problem(
                    "name",
                    f"there is already a client called '{same.name}' (number {same.id}); "
                    "add an initial or a second name to tell them apart.",
                )
            row: dict[str, Any] = {
                "name": clean,
                "name_key": name_key(clean),
                "created_at": created,
            }
            cid = self.insert(conn, s.clients, row)
        return Client(cid, clean, created)

    def clients(self) -> list[Client]:
        """Every client, in alphabetical order."""
        with self.read() as conn:
            rows = conn.execute(select(s.clients).order_by(s.clients.c.name_key)).all()
        return [Client(r.id, r.name, r.created_at) for r in rows]

    def client(self, client_id: int) -> Client:
        """The client with this number; StoreError if there is none."""
        r = None
        if is_row_id(client_id):
            with self.read() as conn:
                r = conn.execute(select(s.clients).where(s.clients.c.id == client_id)).first()
        if r is None:
            raise self.problem("client", f"there is no client number {client_id}.")
        return Client(r.id, r.name, r.created_at)

    def find_client(self, name_or_id: str) -> Client:
        """The client a person typed: a number, or a name (case and spacing do not matter)."""
        text = str(name_or_id).strip()
        everyone = self.clients()
        for c in everyone:
            if (text.isdigit() and c.id == int(text)) or name_key(c.name) == name_key(text):
                return c
        names = {name_key(c.name): c.name for c in everyone}
        near = [names[k] for k in difflib.get_close_matches(name_key(text), names, n=3, cutoff=0.5)]
        hint = f" Did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        listing = " See the list with: kneekit clients." if everyone else " There are no clients."
        raise self.problem("client", f"no client called {text!r}.{hint}{listing}")

    # -- routines -----------------------------------------------------------------------------
    def save_routine(self, routine: Routine, now: datetime) -> VersionInfo:
        """Save a routine as the next version of its name.

        Saving a routine identical to the latest version of its name returns that version:
        only an edit makes a new version, and past sessions keep pointing at the old one.
        """
        text, stretches = routine.to_yaml(), _catalogue_text(routine)
        created = aware(now, "now", self.source)
        v = s.routine_versions.c
        with self.write() as conn:
            latest = conn.execute(
                select(s.routine_versions).where(v.name == routine.name).order_by(v.number.desc())
            ).first()
            if latest is not None and (latest.routine, latest.stretches) == (text, stretches):
                return VersionInfo(latest.id, latest.name, latest.number, latest.created_at)
            number = 1 if latest is None else latest.number + 1
            row: dict[str, Any] = {"name": routine.name, "number": number, "routine": text}
            row |= {"stretches": stretches, "hold_s": routine.hold_s, "created_at": created}
            vid = self.insert(conn, s.routine_versions, row)
        return VersionInfo(vid, routine.name, number, created)

    def routine(self, version_id: int) -> Routine:
        """The routine exactly as saved in this version (with the stretches as they were)."""
        with self.read() as conn:
            r = conn.execute(
                select(s.routine_versions).where(s.routine_versions.c.id == version_id)
            ).first()
        if r is None:
            raise self.problem("routine", f"there is no routine version number {version_id}.")
        label = version_label(r.name, r.number)
        return parse_routine(r.routine, label, parse_catalogue(r.stretches, label))

    def versions(self) -> list[VersionInfo]:
        """Every saved routine version, by name then number."""
        v = s.routine_versions.c
        with self.read() as conn:
            rows = conn.execute(
                select(v.id, v.name, v.number, v.created_at).order_by(v.name, v.number)
            ).all()
        return [VersionInfo(*r) for r in rows]

    def assign(self, client_id: int, version_id: int, since: date) -> Assignment:
        """Put a client on a routine version from ``since``; a second one the same day replaces
        the first (a physio correcting a choice, not a routine followed for zero days)."""
        a = s.assignments.c
        with self.write() as conn:
            self.require(conn, s.clients, client_id, "client")
            version = self._version(conn, version_id)
            where = (a.client_id == client_id) & (a.since == since)
            if conn.execute(select(a.id).where(where)).first() is None:
                conn.execute(
                    s.assignments.insert().values(
                        client_id=client_id, version_id=version_id, since=since
                    )
                )
            else:
                conn.execute(s.assignments.update().where(where).values(version_id=version_id))
            self.audit.record(conn, client_id, "assigned", version.label)
        return Assignment(client_id, version_id, version.label, since)

    def _version(self, conn: Connection, version_id: int) -> VersionInfo:
        v = s.routine_versions.c
        r = conn.execute(
            select(v.id, v.name, v.number, v.created_at).where(v.id == version_id)
        ).first()
        if r is None:
            raise self.problem("routine", f"there is no routine version number {version_id!r}.")
        return VersionInfo(*r)

    def current_version(self, client_id: int, today: date) -> VersionInfo | None:
        """The version the client is on today; None if not assigned yet (use the built-in)."""
        a, v = s.assignments.c, s.routine_versions.c
        with self.read() as conn:
            r = conn.execute(
                select(v.id, v.name, v.number, v.created_at)
                .join_from(s.assignments, s.routine_versions)
                .where(a.client_id == client_id, a.since <= today)
                .order_by(a.since.desc())
                .limit(1)
            ).first()
        return None if r is None else VersionInfo(*r)

    def routine_on(self, client_id: int, day: date) -> tuple[VersionInfo | None, Routine]:
        """What the client follows on ``day``: their assigned version and its routine, or, before
        any assignment, no version and the built-in routine (what the player and the handout
        then show)."""
        version = self.current_version(client_id, day)
        return version, self.routine(version.id) if version is not None else default_routine()

    # -- check-ins and histories --------------------------------------------------------------
    def add_checkin(self, checkin: CheckIn, request_key: str | None = None) -> int:
        """Save a check-in; returns its number.

        The check-in checked its own values when it was built (and :func:`check_in` that it is
        not in the future); here the client must exist. Anything wrong: an error and nothing
        written. ``request_key`` is the page's key for one press of Save: the same key again (a
        double click, a retry after a lost answer) returns the check-in already saved instead of
        storing it twice.
        """
        c = checkin
        if request_key is not None and not (
            isinstance(request_key, str) and 0 < len(request_key) <= REQUEST_KEY_MAX_CHARS
        ):
            raise self.problem("request_key", "the page sent a malformed key; reload the page.")
        k = s.checkins.c
        with self.write() as conn:
            self.require(conn, s.clients, c.client_id, "client")
            if request_key is not None:
                same = conn.execute(select(k.id).where(k.request_key == request_key)).scalar()
                if same is not None:
                    return int(same)
            row: dict[str, Any] = {"client_id": c.client_id, "at": c.at, "context": c.context}
            row |= {"utc_offset_min": offset_min(c.at), "request_key": request_key}
            row |= {"left_knee": c.left, "right_knee": c.right, "km": c.km}
            number = self.insert(conn, s.checkins, row | {"minutes": c.minutes, "note": c.note})
            self.audit.record(conn, c.client_id, "checked in")
            return number

    def latest_checkins(self, until: datetime | None = None) -> dict[int, CheckIn]:
        """Each client's most recent check-in (before ``until``, if given), by client id.

        One index look-up per client: the clinic overview needs this for clients who have gone
        quiet, without loading anyone's whole record.
        """
        return reading.latest_checkins(self, until)

    def opening_checkins(self, days: int) -> dict[int, list[CheckIn]]:
        """Each client's check-ins of their first ``days`` days (from their first check-in).

        The change-from-baseline verdict compares a client's first two weeks with the last two;
        an overview that reads only recent weeks gets the first ones from here, in two queries:
        each client's first time (an index look-up), then each client's opening range.
        """
        return reading.opening_checkins(self, days)

    def history(self, client_id: int, since: datetime | None = None) -> History:
        """Everything recorded for one client, oldest first (from ``since`` if given)."""
        histories = reading.histories(self, client_id, since)
        if not histories:
            raise self.problem("client", f"there is no client number {client_id!r}.")
        return histories[0]

    def histories(self, since: datetime | None = None) -> list[History]:
        """Every client's history (alphabetical), in four queries whatever the clinic's size.

        ``since`` keeps only check-ins and sessions from then on (assignments are all kept).
        Building a Python object per check-in costs about 3 s per million rows on a 2-core
        machine, so a clinic-wide view of a large clinic should ask for the weeks it shows.
        """
        return reading.histories(self, None, since)
