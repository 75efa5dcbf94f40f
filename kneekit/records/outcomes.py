"""Outcomes in the clinic database: knee questionnaire (AKPS) scores and runs imported from files.

Runs land in the ``runs`` table that :meth:`Store.histories` already reads, so an imported run
is in every history the trends see. An import is one transaction: all its new runs are saved, or
none; a run already there (the same file, or the same start time) is skipped and counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, true

from kneekit.errors import Problem, StoreError
from kneekit.outcomes.akps import MAX_SCORE, Score
from kneekit.records import schema as s
from kneekit.records.database import Database, aware, local, offset_min
from kneekit.runfiles import RunFile

SAME_START = timedelta(seconds=60)
"""Runs starting this close are one run recorded twice (a watch's FIT file and the GPX its app
exports start a second or two apart); a runner cannot start two separate runs within a minute."""


@dataclass(frozen=True)
class ImportResult:
    """What an import did: runs saved, and runs skipped as already there (by file or time)."""

    saved: tuple[RunFile, ...]
    same_file: tuple[RunFile, ...]
    same_start: tuple[RunFile, ...]

    @property
    def skipped(self) -> int:
        return len(self.same_file) + len(self.same_start)

    def words(self) -> str:
        """``Imported 2 runs (9.0 km in all); skipped 1 already imported.``"""
        km = sum(r.km for r in self.saved)
        line = f"Imported {len(self.saved)} run{'s' * (len(self.saved) != 1)}"
        line += f" ({km:.1f} km in all)" if self.saved else ""
        if self.skipped:
            parts = []
            if self.same_file:
                parts.append(f"{len(self.same_file)} already imported (the same file)")
            if self.same_start:
                parts.append(f"{len(self.same_start)} with the start time of a run already there")
            line += "; skipped " + " and ".join(parts)
        return line + "."


class Outcomes:
    """AKPS scores and imported runs: ``store.outcomes`` of a
    :class:`~kneekit.records.store.Store`, sharing its connection."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- AKPS -----------------------------------------------------------------------------
    def add_akps(self, score: Score, now: datetime) -> int:
        """Save a score made with :func:`kneekit.outcomes.akps.score`; returns its number."""
        at = aware(score.at, "at", self._db.source)
        if not 0 <= score.total <= MAX_SCORE:
            raise self._db.problem(
                "score", f"an AKPS score is 0 to {MAX_SCORE}, not {score.total}."
            )
        with self._db.write() as conn:
            self._db.require(conn, s.clients, score.client_id, "client")
            row: dict[str, Any] = {"client_id": score.client_id, "at": at}
            row |= {"utc_offset_min": offset_min(score.at), "score": score.total}
            row |= {"answers": ",".join(str(a) for a in score.answers)}
            row |= {"instrument": score.instrument, "instrument_sha256": score.fingerprint}
            return self._db.insert(
                conn, s.akps_scores, row | {"created_at": aware(now, "now", self._db.source)}
            )

    def akps_scores(self, client_id: int) -> list[Score]:
        """A client's scores, oldest first, each in the offset where it was filled in."""
        return self._akps(s.akps_scores.c.client_id == client_id).get(client_id, [])

    def akps_by_client(self) -> dict[int, list[Score]]:
        """Every client's scores (oldest first) by client number, in one query: for clinic-wide
        views such as ``kneekit review``."""
        return self._akps(true())

    def _akps(self, where: Any) -> dict[int, list[Score]]:
        a = s.akps_scores.c
        out: dict[int, list[Score]] = defaultdict(list)
        with self._db.read() as conn:
            for r in conn.execute(
                select(a.client_id, a.at, a.utc_offset_min, a.score, a.answers)
                .add_columns(a.instrument, a.instrument_sha256)
                .where(where)
                .order_by(a.client_id, a.at, a.id)
            ):
                answers = tuple(int(x) for x in r[4].split(",") if x)
                out[r[0]].append(Score(r[0], local(r[1], r[2]), r[3], answers, r[5], r[6]))
        return dict(out)

    # -- runs -----------------------------------------------------------------------------
    def import_runs(self, client_id: int, runs: Sequence[RunFile], now: datetime) -> ImportResult:
        """Save runs read by :mod:`kneekit.runfiles` for one client, in one transaction.

        A run is skipped (and counted) when the client already has a run from the same file
        (same bytes) or starting at the same moment (within :data:`SAME_START`), or when it
        repeats one earlier in ``runs``.
        """
        created = aware(now, "now", self._db.source)
        r = s.runs.c
        saved: list[RunFile] = []
        same_file: list[RunFile] = []
        same_start: list[RunFile] = []
        with self._db.write() as conn:
            self._db.require(conn, s.clients, client_id, "client")
            known = conn.execute(
                select(r.file_sha256, r.started_at).where(r.client_id == client_id)
            ).all()
            hashes = {k[0] for k in known if k[0]}
            starts = [k[1] for k in known]
            for run in runs:
                start = aware(run.start, "start", run.source)
                if run.sha256 in hashes:
                    same_file.append(run)
                    continue
                if any(abs(start - other) <= SAME_START for other in starts):
                    same_start.append(run)
                    continue
                if run.km < 0 or (run.minutes is not None and run.minutes < 0):
                    raise StoreError([Problem(run.source, "", "a run cannot be negative.")])
                row: dict[str, Any] = {"client_id": client_id, "started_at": start}
                row |= {"utc_offset_min": offset_min(run.start), "km": run.km}
                row |= {"minutes": run.minutes, "elevation_gain_m": run.elevation_gain_m}
                row |= {"source": run.source, "file_sha256": run.sha256, "created_at": created}
                conn.execute(s.runs.insert().values(**row))
                hashes.add(run.sha256)
                starts.append(start)
                saved.append(run)
        return ImportResult(tuple(saved), tuple(same_file), tuple(same_start))
